import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  encodedWildcardHost,
  judgeLabels,
  wildcardSuffix,
} from '../../../../images/egress-proxy/host-labels.js';
import { parseRoutesOrThrow } from '../../../../images/egress-proxy/routes/parse.js';
import type { RoutesFile } from '../../../../images/egress-proxy/routes/schema.js';

/** Judges host against routes.yaml holding just `pattern`, the way admit() does. */
function judge(host: string, pattern: string, port = 443): string | undefined {
  const { routes } = parseRoutesOrThrow(`routes:\n  - host: "${pattern}"\n`);
  return encodedWildcardHost(routes, routes.routes[0]!, host, port)?.why;
}

// Real-world shapes of names that sit under a wildcard route. Every one must pass.
const BENIGN: [host: string, pattern: string][] = [
  ['registry.npmjs.org', '*.npmjs.org'],
  ['www.npmjs.org', '*.npmjs.org'],
  ['objects.githubusercontent.com', '*.githubusercontent.com'],
  ['raw.githubusercontent.com', '*.githubusercontent.com'],
  ['pkg-containers.githubusercontent.com', '*.githubusercontent.com'],
  ['private-user-images.githubusercontent.com', '*.githubusercontent.com'],
  ['objects-origin.githubusercontent.com', '*.githubusercontent.com'],
  ['release-assets.githubusercontent.com', '*.githubusercontent.com'],
  ['pipelinesghubeus22.actions.githubusercontent.com', '*.githubusercontent.com'],
  ['results-receiver.actions.githubusercontent.com', '*.githubusercontent.com'],
  ['mpsghub.actions.githubusercontent.com', '*.githubusercontent.com'],
  ['codeload.github.com', '*.github.com'],
  ['uploads.github.com', '*.github.com'],
  ['fuzzy-spoon-5g4x7qv9r6pc7j9w-3000.app.github.dev', '*.app.github.dev'],
  // CloudFront distribution ids: 13–14 characters of [a-z0-9].
  ['d1a2b3c4d5e6f7.cloudfront.net', '*.cloudfront.net'],
  ['d3rlzaxzfnxg7t.cloudfront.net', '*.cloudfront.net'],
  ['d111111abcdef8.cloudfront.net', '*.cloudfront.net'],
  ['my-bucket-name.s3.us-east-1.amazonaws.com', '*.amazonaws.com'],
  [
    'my-company-terraform-state-production-eu-west-1.s3.dualstack.eu-west-1.amazonaws.com',
    '*.amazonaws.com',
  ],
  [
    'my-access-point-123456789012.s3-accesspoint.dualstack.ap-southeast-1.amazonaws.com',
    '*.amazonaws.com',
  ],
  ['us-east-1.console.aws.amazon.com', '*.amazon.com'],
  ['123456789012.dkr.ecr.us-east-1.amazonaws.com', '*.amazonaws.com'],
  ['k8s-default-echoserv-8b9c7b3a2f-1234567890.us-west-2.elb.amazonaws.com', '*.amazonaws.com'],
  [
    'k8s-producti-frontend-0a1b2c3d4e-9876543210.elb.ap-southeast-2.amazonaws.com',
    '*.amazonaws.com',
  ],
  ['internal-my-app-elb-1234567890.us-east-1.elb.amazonaws.com', '*.amazonaws.com'],
  ['a3k7odshaiipe8-ats.iot.us-east-1.amazonaws.com', '*.amazonaws.com'],
  ['mydb.c9akciq32lpq.us-east-1.rds.amazonaws.com', '*.amazonaws.com'],
  ['abcdef1234.execute-api.eu-central-1.amazonaws.com', '*.amazonaws.com'],
  ['ec2-203-0-113-25.compute-1.amazonaws.com', '*.amazonaws.com'],
  // A PrivateLink name with the endpoint id in the route, as the refusal body suggests.
  [
    'my-bucket.vpce-0e5b2b7cb2aaf8c79-6ikzcjbd.s3.us-east-1.vpce.amazonaws.com',
    '*.vpce-0e5b2b7cb2aaf8c79-6ikzcjbd.s3.us-east-1.vpce.amazonaws.com',
  ],
  ['a-b-c.storage.googleapis.com', '*.storage.googleapis.com'],
  ['storage.googleapis.com', '*.googleapis.com'],
  ['europe-west1-docker.pkg.dev', '*.pkg.dev'],
  ['myservice-3xkqj5a7ba-uc.a.run.app', '*.run.app'],
  ['my-service-123456789012.us-central1.run.app', '*.run.app'],
  ['20230101t123456-dot-my-project.appspot.com', '*.appspot.com'],
  ['us-central1-my-project.cloudfunctions.net', '*.cloudfunctions.net'],
  ['lh3.googleusercontent.com', '*.googleusercontent.com'],
  ['e12345.a.akamaiedge.net', '*.akamaiedge.net'],
  ['e1234.dscb.akamaiedge.net', '*.akamaiedge.net'],
  ['dualstack.j.sni.global.fastly.net', '*.fastly.net'],
  ['registry-1.docker.io', '*.docker.io'],
  ['production.cloudflare.docker.com', '*.docker.com'],
  ['files.pythonhosted.org', '*.pythonhosted.org'],
  ['mystorageaccount2023.blob.core.windows.net', '*.blob.core.windows.net'],
  ['productionresultssa12.blob.core.windows.net', '*.blob.core.windows.net'],
  ['myregistry.azurecr.io', '*.azurecr.io'],
  ['myapp-hqgvhhgbgvfzdpbx.eastus-01.azurewebsites.net', '*.azurewebsites.net'],
  ['myapp-a6gqaeashthkhkeu.westeurope-01.azurewebsites.net', '*.azurewebsites.net'],
  ['myendpoint-e2dcfebkeccmhtg8.z01.azurefd.net', '*.azurefd.net'],
  ['happy-tree-0a1b2c3d4.azurestaticapps.net', '*.azurestaticapps.net'],
  ['myapp.happyfield-1a2b3c4d.eastus.azurecontainerapps.io', '*.azurecontainerapps.io'],
  ['adb-1234567890123456.7.azuredatabricks.net', '*.azuredatabricks.net'],
  ['dbc-a1b2c3d4-e5f6.cloud.databricks.com', '*.databricks.com'],
  // Supabase project refs: 20 random letters.
  ['bvxkzsgdpwfhoyikjrlm.supabase.co', '*.supabase.co'],
  ['my-app-git-main-myteam.vercel.app', '*.vercel.app'],
  ['my-app-a1b2c3d4e-myteam.vercel.app', '*.vercel.app'],
  ['my-app-1a2b3c4d5e6f.herokuapp.com', '*.herokuapp.com'],
  ['a1b2c3d4.my-project.pages.dev', '*.pages.dev'],
  ['myworker.mysubdomain.workers.dev', '*.workers.dev'],
  ['cdn-lfs.huggingface.co', '*.huggingface.co'],
  ['cas-bridge.xethub.hf.co', '*.hf.co'],
  ['username-spacename.hf.space', '*.hf.space'],
  ['workspace--app-name-function-name-dev.modal.run', '*.modal.run'],
  ['8080-user-repo-abc123def45.ws-eu110.gitpod.io', '*.gitpod.io'],
  ['0a1b-203-0-113-5.ngrok-free.app', '*.ngrok-free.app'],
  ['app.192.168.1.10.nip.io', '*.nip.io'],
  ['10-0-0-1.nip.io', '*.nip.io'],
  ['c0a80101.nip.io', '*.nip.io'],
  ['cluster0.ab1cd.mongodb.net', '*.mongodb.net'],
  ['my-app-default-rtdb.firebaseio.com', '*.firebaseio.com'],
  ['my-app-12345.firebaseapp.com', '*.firebaseapp.com'],
  ['xn--bcher-kva.example.com', '*.example.com'],
  ['api.v1beta1.example.com', '*.example.com'],
  ['strengths.rhythm.example.org', '*.example.org'],
  ['httpbin.example.org:8443', '*.example.org:8443'],
];

// Words people and services put in names: the benign half of the property test.
const WORDS = `
  api app apps assets auth backend beta blob bucket build cache canary cdn central chat check
  cloud cluster code config console content core data default delivery demo deploy dev docs
  download edge engine events export feed files frontend gateway global graph grid hub images
  import index internal jobs logs mail main media metrics mirror mobile monitor music news node
  north objects office origin packages pages pipeline portal preview prod production project
  proxy public queue raw registry release releases reports results router sandbox search secure
  server service shop sites south space stage staging static status storage store stream studio
  support sync team test tools traffic upload uploads user users video viewer web west widget
  worker workspace acme apple orange river forest garden silver golden happy brave quiet rapid
  purple yellow winter summer autumn spring ocean island mountain valley desert meadow harbor
  castle bridge tower rocket planet comet falcon eagle tiger panda otter dolphin fuzzy spoon
  waffle parakeet literate curly sturdy friendly crispy ideal humble jubilant legendary
  `
  .split(/\s+/)
  .filter(Boolean);

/** Deterministic pseudo-random bytes. */
function bytes(seed: string, length: number): Buffer {
  let out = Buffer.alloc(0);
  for (let i = 0; out.length < length; i++)
    out = Buffer.concat([out, createHash('sha256').update(`${seed}/${i}`).digest()]);
  return out.subarray(0, length);
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
function base32(data: Buffer): string {
  let out = '';
  let value = 0;
  let bits = 0;
  for (const byte of data) {
    value = ((value << 8) | byte) & 0xffff;
    bits += 8;
    for (; bits >= 5; bits -= 5) out += BASE32[(value >>> (bits - 5)) & 31];
  }
  return bits > 0 ? out + BASE32[(value << (5 - bits)) & 31] : out;
}
const base36 = (data: Buffer): string => BigInt(`0x${data.toString('hex')}`).toString(36);
const decimal = (data: Buffer): string => BigInt(`0x${data.toString('hex')}`).toString(10);
/** base64url as it arrives at the proxy: lower-cased, and no label may start or end with "-". */
const base64Lower = (data: Buffer): string => data.toString('base64url').toLowerCase();

function chunks(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

const TOKEN = 'ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8';
const SECRET = 'own-secret-7Hq2xV9pLm4RtY8w';

// What an agent smuggling data in a name would send. Every one must be refused.
const ATTACKS: [name: string, labels: string[]][] = [
  ['hex of a secret in one label', [Buffer.from(SECRET).toString('hex')]],
  ['hex of a token over two labels', chunks(Buffer.from(TOKEN).toString('hex'), 40)],
  ['base32 of a token over four labels', chunks(base32(Buffer.from(TOKEN)), 16)],
  ['base32 of a secret over three labels', chunks(base32(Buffer.from(SECRET)), 15)],
  ['base32 of 20 bytes over two 16-character labels', chunks(base32(bytes('a', 20)), 16)],
  ['base64 of 32 bytes, lower-cased', [base64Lower(bytes('b', 32)).replace(/^-|-$/g, 'x')]],
  [
    'base64 of a token, lower-cased, padding dropped',
    [Buffer.from(TOKEN).toString('base64').toLowerCase().replace(/[+/=]/g, '')],
  ],
  ['a 63-character label of random letters and digits', [base36(bytes('c', 40)).slice(0, 63)]],
  ['base36 of 24 bytes', [base36(bytes('d', 24))]],
  ['a 16-byte key as a decimal number', [decimal(bytes('e', 16))]],
  ['dnscat-style: two labels of 60 hex digits', chunks(bytes('f', 60).toString('hex'), 60)],
  ['iodine-style: a 63-character base32 label', [base32(bytes('g', 39)).slice(0, 63)]],
  ['20 bytes of hex over four 10-digit labels', chunks(bytes('h', 20).toString('hex'), 10)],
  ['a content hash in a label', [`sha256-${bytes('i', 28).toString('hex')}`]],
  ['seven labels deep', ['a', 'b', 'c', 'd', 'e', 'f', 'g']],
  ['longer than 128 characters', ['x'.repeat(63), 'y'.repeat(63), 'zz']],
];

// Realistic names that carry a long generated id and ARE refused under a wildcard: the id holds as
// much as a secret would. The operator routes them exactly (or puts the id in the suffix).
const REFUSED_REALISTIC: [host: string, pattern: string][] = [
  ['search-movies-ivxe4o7pgt2sqbbg5pvzpbrnmu.us-east-1.es.amazonaws.com', '*.amazonaws.com'],
  ['abcdefghijklmnop1234567890abcdef.lambda-url.us-east-1.on.aws', '*.on.aws'],
  ['0123456789abcdef0123456789abcdef.gr7.us-east-1.eks.amazonaws.com', '*.amazonaws.com'],
  ['vpce-0e5b2b7cb2aaf8c79-6ikzcjbd.s3.us-east-1.vpce.amazonaws.com', '*.amazonaws.com'],
  ['5e8b1e7c9d2f3a0007a1b2c3--my-site.netlify.app', '*.netlify.app'],
  ['0123456789abcdef0123456789abcdef.r2.cloudflarestorage.com', '*.cloudflarestorage.com'],
];

describe('host-labels: realistic names under a wildcard pass', () => {
  for (const [host, pattern] of BENIGN) {
    it(`${host} under ${pattern}`, () => {
      assert.equal(judge(host.replace(/:\d+$/, ''), pattern, port(host)), undefined);
    });
  }
});

describe('host-labels: names that carry encoded data are refused', () => {
  for (const [name, labels] of ATTACKS) {
    it(name, () => {
      for (const label of labels) assert.ok(label.length <= 63, `test label too long: ${label}`);
      const why = judgeLabels(labels);
      assert.ok(why, `not refused: ${labels.join('.')}`);
      const longest = labels.reduce((a, b) => (b.length > a.length ? b : a));
      if (longest.length > 10) assert.ok(!why.includes(longest), 'never echoes a whole label');
      const host = `${labels.join('.')}.x.example.test`;
      assert.ok(judge(host, '*.example.test'), 'refused through the route check too');
    });
  }

  for (const [host, pattern] of REFUSED_REALISTIC) {
    it(`(a known limit) ${host} under ${pattern}`, () => {
      assert.ok(judge(host, pattern));
    });
  }

  it('says what looked encoded, in one line', () => {
    const why = judgeLabels([Buffer.from(SECRET).toString('hex')])!;
    assert.equal(why, '"6f776e2d…" (54 characters) is all hexadecimal');
    const split = judgeLabels(chunks(base32(Buffer.from(TOKEN)), 16))!;
    assert.match(split, /^its 4 labels hold about \d+ bits of random-looking characters/);
    assert.ok(!why.includes('\n') && !split.includes('\n'));
  });
});

describe('host-labels: random words pass, random encodings do not', () => {
  // A small deterministic generator (mulberry32) so a failure names a reproducible case.
  function prng(seed: number): (n: number) => number {
    let state = seed;
    return (n) => {
      state = (state + 0x6d2b79f5) | 0;
      let t = Math.imul(state ^ (state >>> 15), 1 | state);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
    };
  }
  const REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2', 'us-central1', 'europe-west4'];
  const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';

  it('names of English words, with a number, a region and a short service id, all pass', () => {
    const random = prng(1);
    const pick = <T>(items: readonly T[]): T => items[random(items.length)]!;
    for (let i = 0; i < 3000; i++) {
      const labels = Array.from({ length: 1 + random(2) }, () => {
        const words = Array.from({ length: 1 + random(3) }, () => pick(WORDS));
        return words.join(words.length === 2 && random(2) === 0 ? '' : '-');
      });
      if (random(2)) labels[0] += `${pick(['', '-'])}${random(10000)}`;
      if (random(2)) labels.splice(random(labels.length + 1), 0, pick(REGIONS));
      const id = Array.from({ length: 8 + random(7) }, () => pick([...ALNUM])).join('');
      if (random(2)) labels.splice(random(labels.length + 1), 0, id);
      assert.equal(judgeLabels(labels), undefined, labels.join('.'));
    }
  });

  it('24 to 48 random bytes in hex, base32, base36 or decimal, split anyhow, are refused', () => {
    const random = prng(2);
    const encodings = { hex: (d: Buffer) => d.toString('hex'), base32, base36, decimal };
    for (let i = 0; i < 2000; i++) {
      for (const [name, encode] of Object.entries(encodings)) {
        let rest = encode(bytes(`${name}-${i}`, 24 + random(25)));
        const labels: string[] = [];
        while (rest) {
          const size = 8 + random(56);
          labels.push(rest.slice(0, size));
          rest = rest.slice(size);
        }
        assert.ok(judgeLabels(labels), `${name}: ${labels.join('.')}`);
      }
    }
  });

  it('40 random bytes of lower-cased base64, split anyhow, are refused', () => {
    const random = prng(3);
    for (let i = 0; i < 2000; i++) {
      let rest = base64Lower(bytes(`b64-${i}`, 40));
      const labels: string[] = [];
      while (rest) {
        const size = 8 + random(56);
        labels.push(rest.slice(0, size).replace(/^[-_]+|[-_]+$/g, '') || 'x');
        rest = rest.slice(size);
      }
      assert.ok(judgeLabels(labels), labels.join('.'));
    }
  });
});

describe('encodedWildcardHost', () => {
  const hex = Buffer.from(SECRET).toString('hex');
  const routes = (text: string): RoutesFile => parseRoutesOrThrow(text).routes;

  it('never judges an exact route', () => {
    const file = routes(`routes:\n  - host: ${hex}.example.test\n`);
    assert.equal(encodedWildcardHost(file, file.routes[0]!, `${hex}.example.test`, 443), undefined);
  });

  it('never judges a host an exact route names, even when a wildcard rule comes first', () => {
    const file = routes(`routes:\n  - host: "*.example.test"\n  - host: ${hex}.example.test\n`);
    assert.equal(encodedWildcardHost(file, file.routes[0]!, `${hex}.example.test`, 443), undefined);
  });

  it('judges only the labels left of the suffix, and withholds them from the log', () => {
    const file = routes(`routes:\n  - host: "*.${hex}.example.test:8443"\n`);
    assert.equal(
      encodedWildcardHost(file, file.routes[0]!, `api.${hex}.example.test`, 8443),
      undefined,
    );
    const found = encodedWildcardHost(file, file.routes[0]!, `${hex}.${hex}.example.test`, 8443);
    assert.ok(found);
    assert.equal(found.loggedHost, `[${hex.length} characters withheld].${hex}.example.test`);
  });

  it('reads the suffix of a wildcard pattern, with or without a port', () => {
    assert.equal(wildcardSuffix('*.example.com'), '.example.com');
    assert.equal(wildcardSuffix('*.example.com:8443'), '.example.com');
    assert.equal(wildcardSuffix('api.example.com'), undefined);
  });
});

function port(host: string): number {
  const match = /:(\d+)$/.exec(host);
  return match ? Number(match[1]) : 443;
}

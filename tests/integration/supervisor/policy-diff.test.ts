import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadManifests } from '../../../launcher/manifest/index.js';
import { routesYaml } from '../../../launcher/state/live-config.js';
import { writeFileAtomic } from '../../../lib/atomic-write.js';
import { liveConfigPath } from '../../../lib/live-config.js';
import { runCliCaptured } from '../../helpers/cli.js';
import { makeStateDir, recordApproval } from '../../helpers/state-dir.js';
import { tempTree } from '../../helpers/temp-home.js';

const ROUTES_ID = 'agent-20261124T215501Z-3f9a0c2b';
const LEAK_ID = 'agent-20261124T220000Z-0a1b2c3d';

const BOTTLE = `---
# the e2e bottle
secrets:
  gh: env:GH_TOKEN
egress:
  routes:
    - host: api.github.com
      paths: [/repos/acme/]
      methods: [GET]
      auth: {header: Authorization, scheme: Bearer, secret: gh}
---
Notes for the operator.
`;

test('policy diff --json lists approved route and allowlist changes with who and why', async () => {
  const home = await tempTree({ 'bottles/e2e.md': BOTTLE });
  try {
    const env = { ...process.env, CLAUDE_BOTTLE_HOME: home.root };
    const layout = await makeStateDir(home.root, 'dev-1a2b3c');
    // What start writes: the launcher's own routesYaml() of the manifest.
    const set = await loadManifests({ home: home.root, cwd: home.root });
    const bottle = set.bottles.find((b) => b.name === 'e2e')!;
    await writeFileAtomic(liveConfigPath(layout.liveConfig, 'routes'), routesYaml(bottle));
    await writeFileAtomic(
      liveConfigPath(layout.liveConfig, 'gitleaksAllowlist'),
      '# gitleaks fingerprints the operator allowed (one per line), applied by the supervisor.\n',
    );

    // An approved egress-proxy-block: widen a path, add a host.
    const widened = `routes:
  - host: api.github.com
    paths: [/repos/]
    methods: [GET]
    auth: {header: Authorization, scheme: Bearer, secret: gh}
  - host: pypi.org
    methods: [GET]
`;
    await recordApproval(layout, 'routes', widened, {
      proposal_id: ROUTES_ID,
      tool: 'egress-proxy-block',
      reason: 'needs every repo and pip',
      operator: 'ana',
    });
    // An approved gitleaks-allow, as the engine writes it.
    await recordApproval(
      layout,
      'gitleaksAllowlist',
      (list) =>
        `${list}# ${LEAK_ID} (2026-11-24T22:00:00.000Z)\nabc123:test/fixture.txt:generic-api-key:4\n`,
      {
        proposal_id: LEAK_ID,
        tool: 'gitleaks-allow',
        reason: 'a test fixture, not a key',
        operator: 'bo',
      },
    );

    const run = await runCliCaptured(['policy', 'diff', 'dev-1a2b3c', '--json'], {
      env,
      cwd: home.root,
    });
    assert.equal(run.code, 0, run.stderr);
    const diff = JSON.parse(run.stdout) as {
      slug: string;
      manifest: string;
      items: {
        kind: string;
        change: string;
        approved_by: string;
        reason: string;
        proposal_id: string | null;
      }[];
    };
    assert.equal(diff.slug, 'dev-1a2b3c');
    assert.equal(diff.manifest, home.path('bottles/e2e.md'));
    assert.deepEqual(
      diff.items.map((i) => [i.kind, i.change, i.approved_by, i.proposal_id]),
      [
        ['route', 'widened', 'ana', ROUTES_ID],
        ['route', 'added', 'ana', ROUTES_ID],
        ['gitleaks-allowlist', 'added', 'bo', LEAK_ID],
      ],
    );
    assert.equal(diff.items[2]!.reason, 'a test fixture, not a key');

    const human = await runCliCaptured(['policy', 'diff', 'dev-1a2b3c'], { env, cwd: home.root });
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^\+ \[2\] route added: pypi\.org/m);
    assert.match(human.stdout, /approved by ana/);
  } finally {
    await home.remove();
  }
});

test('an unknown slug is NOT_FOUND with a hint, no stack', async () => {
  const home = await tempTree({ 'bottles/e2e.md': BOTTLE });
  try {
    const run = await runCliCaptured(['policy', 'diff', 'nope-000000'], {
      env: { ...process.env, CLAUDE_BOTTLE_HOME: home.root },
      cwd: home.root,
    });
    assert.equal(run.code, 66);
    assert.match(run.stderr, /error\[NOT_FOUND\]: no bottle "nope-000000"/);
    assert.match(run.stderr, /hint:/);
    assert.doesNotMatch(run.stderr, /\n\s+at /);
  } finally {
    await home.remove();
  }
});

test('a bottle whose manifest is gone is MANIFEST_NOT_FOUND', async () => {
  const home = await tempTree({});
  try {
    await makeStateDir(home.root, 'dev-1a2b3c');
    const run = await runCliCaptured(['policy', 'diff', 'dev-1a2b3c'], {
      env: { ...process.env, CLAUDE_BOTTLE_HOME: home.root },
      cwd: home.root,
    });
    assert.equal(run.code, 65);
    assert.match(run.stderr, /error\[MANIFEST_NOT_FOUND\]/);
  } finally {
    await home.remove();
  }
});

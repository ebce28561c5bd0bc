import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertDockerAvailable, dockerSuite } from '../../helpers/docker.js';
import { startSupervisedBottle, type SupervisedBottle } from '../supervisor/fixture.js';
import { agentTunnel } from './helpers.js';

// The agent tries to reach what routes.yaml does not allow, through the proxy itself: other
// hosts, IP literals, a Host header or SNI that differs from the CONNECT target, and git's
// smart-HTTP push. The route below allows GET and POST on the paths a push would use, so each
// refusal is the control under test, not a missing route: the same upstream answers 200 to
// an ordinary request on those paths (asserted alongside).
const BOTTLE = `---
agent_provider: none
secrets:
  upstream: env:CB_E2E_UPSTREAM_TOKEN
egress:
  upstream_ca: test-ca.crt
  routes:
    - host: api.example.test
      paths: [/hello, /upload, /repo.git/]
      methods: [GET, POST]
      auth: { header: Authorization, scheme: Bearer, secret: upstream }
      private: true
---
`;

let bottle: SupervisedBottle;

async function curl(args: string): Promise<{ code: string; body: string }> {
  const run = await bottle.asAgent(`curl -s -m 15 -w '\\n%{http_code}' ${args}`);
  const lines = run.stdout.split('\n');
  return { code: lines.at(-1) ?? '', body: lines.slice(0, -1).join('\n') };
}

describe('attack: reach past the routes through the egress proxy', dockerSuite, () => {
  before(async () => {
    assertDockerAvailable();
    bottle = await startSupervisedBottle({ bottle: BOTTLE });
  });
  after(() => bottle?.destroy());

  // Threat row: "HTTP(S) to an unlisted host, path or method".
  it('HTTP(S) to an unlisted host: refused with the rule that decided, https and http alike', async () => {
    const allowed = await curl('https://api.example.test/hello');
    assert.equal(allowed.code, '200', 'the listed route works (the control)');
    for (const url of ['https://exfil.example.test/', 'http://exfil.example.test/x']) {
      const refused = await curl(url);
      assert.equal(refused.code, '403', url);
      assert.match(refused.body, /no rule in routes\.yaml names the host exfil\.example\.test/);
      assert.match(refused.body, /egress-proxy-block/);
    }
  });

  it('HTTP(S) to an unlisted host: an unlisted path or method on a listed host is refused', async () => {
    assert.equal((await curl('https://api.example.test/admin')).code, '403');
    assert.equal((await curl('-X DELETE https://api.example.test/hello')).code, '403');
  });

  it('HTTP(S) to an unlisted host: IP literals (v4, v6, decimal) are not a way around names', async () => {
    for (const url of [
      'https://203.0.113.1/',
      'http://198.51.100.7/',
      'https://[2001:db8::1]/',
      'http://3405803777/',
    ]) {
      const refused = await curl(url);
      assert.equal(refused.code, '403', `${url}: ${refused.body}`);
      assert.match(refused.body, /no rule in routes\.yaml names the host/);
    }
  });

  // A listed CONNECT target with another Host inside the tunnel would let a request be routed
  // by one name and sent by another; observed: 400 naming both.
  it('HTTP(S) to an unlisted host: a Host header that differs from the CONNECT target is refused', async () => {
    const mismatch = await agentTunnel(bottle, {
      connect: 'api.example.test:443',
      host: 'exfil.example.test',
      path: '/hello',
    });
    assert.equal(mismatch.status, 400, JSON.stringify(mismatch));
    assert.match(mismatch.body ?? '', /Host header names "exfil\.example\.test" but the tunnel/);
  });

  it('HTTP(S) to an unlisted host: a listed Host and SNI inside a tunnel to an unlisted target are refused', async () => {
    for (const connect of ['exfil.example.test:443', '203.0.113.1:443']) {
      const smuggled = await agentTunnel(bottle, {
        connect,
        servername: 'api.example.test',
        host: 'api.example.test',
        path: '/hello',
      });
      assert.equal(smuggled.status, 400, JSON.stringify(smuggled));
      assert.match(smuggled.body ?? '', /but the tunnel was opened to/);
    }
  });

  // The agent's SNI ends at the proxy (it terminates TLS); the upstream connection is made to
  // the routed host with its own SNI, so an SNI naming another host reaches nothing else.
  it('HTTP(S) to an unlisted host: an SNI that differs from the CONNECT target reaches only the routed host', async () => {
    const result = await agentTunnel(bottle, {
      connect: 'api.example.test:443',
      servername: 'exfil.example.test',
      host: 'api.example.test',
      path: '/hello',
    });
    assert.equal(result.status, 200, JSON.stringify(result));
    const echoed = JSON.parse(result.body ?? '{}') as { headers: { host: string } };
    assert.equal(echoed.headers.host, 'api.example.test');
  });

  // Threat row: "pushing a secret, or pushing around the gate" (smart-HTTP push refused on
  // every host). Without that rule these paths match the route and the upstream answers 200.
  it('pushing around the gate: git push over HTTPS through the proxy is refused', async () => {
    const push = await bottle.asAgent(
      `cd "$(mktemp -d)" && git init -q -b main . && git -c user.name=a -c user.email=a@a.test commit -q --allow-empty -m x &&
       git push https://api.example.test/repo.git HEAD:main 2>&1; echo "exit=$?"`,
    );
    assert.match(push.stdout, /exit=[1-9]/, push.stdout);
    assert.match(push.stdout, /403/, push.stdout);
  });

  it('pushing around the gate: smart-HTTP push variants (case, ;params, escapes, content type) are refused', async () => {
    const control = await curl('-X POST --data x https://api.example.test/repo.git/objects');
    assert.equal(control.code, '200', 'an ordinary POST on the same route passes');
    const variants = [
      "'https://api.example.test/repo.git/info/refs?service=git-receive-pack'",
      "'https://api.example.test/repo.git/info/refs;x?service=git%2Dreceive-pack'",
      "'https://api.example.test/repo.git/info/refs?SERVICE=Git-Receive-Pack'",
      '-X POST --data x https://api.example.test/repo.git/git-receive-pack',
      '-X POST --data x https://api.example.test/repo.git/GIT-RECEIVE-PACK/',
      '-X POST --data x https://api.example.test/repo.git/git-receive-pack%3Bx',
      "-X POST --data x -H 'Content-Type: application/x-git-receive-pack-request' https://api.example.test/upload",
    ];
    for (const variant of variants) {
      const refused = await curl(variant);
      assert.match(refused.code, /^40[03]$/, `${variant}: ${refused.code} ${refused.body}`);
      assert.doesNotMatch(refused.body, /"method":/, `${variant} reached the upstream`);
    }
  });

  it('stealing a credential: what the agent sends as Authorization never reaches the upstream', async () => {
    const result = await curl(
      "-H 'Authorization: Bearer agent-chosen-value' https://api.example.test/hello",
    );
    assert.equal(result.code, '200');
    const echoed = JSON.parse(result.body) as { authorization_sha256: string };
    const { createHash } = await import('node:crypto');
    const injected = createHash('sha256').update(`Bearer ${bottle.token}`).digest('hex');
    assert.equal(echoed.authorization_sha256, injected, 'the route credential replaced it');
  });
});

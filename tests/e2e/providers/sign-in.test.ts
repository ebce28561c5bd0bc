import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { assertDockerAvailable, dockerSuite } from '../../helpers/docker.js';
import { ModelBottle, until } from './model-bottle.js';

// Provider sign-in as users do it, on real bottles with the real CLIs and the scripted model:
// a Claude subscription token (`claude setup-token`) and a Codex ChatGPT login file. The bottles
// name only `auth_token`; the launcher adds the model's route, the proxy injects the real
// credential, and the agent holds placeholders (the tests grep for every real value).
const UPSTREAM_TOKEN = `cbe2e-${randomBytes(16).toString('hex')}`;
const UPSTREAM_ROUTE = `    - host: api.example.test
      paths: [/hello]
      methods: [GET]
      auth: { header: Authorization, scheme: Bearer, secret: upstream }
      private: true`;

async function finished(bottle: ModelBottle): Promise<string[]> {
  const entries = await until('the task to end', async () => {
    const seen = await bottle.transcript();
    return seen.some((e) => e.step === 'done' || e.step === 'failed') ? seen : undefined;
  });
  return entries.filter((e) => e.kind === 'agent-loop').map((e) => e.step ?? '');
}

describe(
  'a Claude subscription token: injected as the bearer, the agent holds a placeholder',
  dockerSuite,
  () => {
    const token = `sk-ant-oat01-${randomBytes(40).toString('base64url')}`;
    const bottle = new ModelBottle({
      cli: 'claude',
      version: '2.1.332',
      bottle: `---
agent_provider: { name: claude, base_url: "https://api.anthropic.test", version: "2.1.332" }
# A bare secret: its kind is told from the value (sk-ant-oat…) at start.
auth_token: claude
secrets:
  claude: env:CB_E2E_CLAUDE_TOKEN
  upstream: env:CB_E2E_UPSTREAM_TOKEN
egress:
  upstream_ca: test-ca.crt
  routes:
${UPSTREAM_ROUTE}
---
`,
      bottleName: 'claude-sub',
      agentFile: '---\nbottle: claude-sub\n---\nYou are a scripted test agent.\n',
      modelHost: 'api.anthropic.test',
      script: 'builtin:codex-fetch',
      credential: token,
      env: { CB_E2E_CLAUDE_TOKEN: token, CB_E2E_UPSTREAM_TOKEN: UPSTREAM_TOKEN },
    });

    before(async () => {
      assertDockerAvailable();
      const started = await bottle.start('coder', 'Fetch https://api.example.test/hello.');
      assert.equal(started.code, 0, started.stderr);
      assert.match(started.stderr, /provider sign-in: subscription token from secret "claude"/);
    });
    after(() => bottle.remove());

    it('runs a tool call through the proxy with the token as Authorization: Bearer', async () => {
      assert.deepEqual(await finished(bottle), ['curl', 'done']);
      for (const entry of await bottle.transcript()) {
        assert.equal(entry.credential.header, 'authorization');
        assert.equal(entry.credential.placeholder, false);
        assert.equal(entry.credential.ok, true);
      }
    });

    it('the agent’s environment holds the placeholder in CLAUDE_CODE_OAUTH_TOKEN, and no API key', async () => {
      const env = await bottle.inAgent('env');
      assert.match(env, /^CLAUDE_CODE_OAUTH_TOKEN=sk-ant-oat01-claude-bottle-placeholder-/m);
      assert.doesNotMatch(env, /^ANTHROPIC_(API_KEY|AUTH_TOKEN)=/m);
      await bottle.assertNoSecretInAgent([token, UPSTREAM_TOKEN]);
    });
  },
);

/** A JWT-shaped token as OpenAI issues them (the signature is never checked by Codex). */
function jwt(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT', kid: 'e2e' })}.${part(claims)}.${randomBytes(64).toString('base64url')}`;
}

describe(
  'a Codex ChatGPT login near expiry: the launcher refreshes it, the proxy injects it',
  dockerSuite,
  () => {
    const now = Math.floor(Date.now() / 1000);
    const auth = {
      'https://api.openai.com/auth': {
        chatgpt_account_id: 'acct-e2e-0001',
        chatgpt_plan_type: 'plus',
        chatgpt_user_id: 'user-e2e-0001',
      },
    };
    const identity = { email: 'e2e@example.test', ...auth };
    // An hour left: inside the launcher's refresh margin.
    const old = {
      id_token: jwt({ ...identity, iat: now - 3600, exp: now + 3600 }),
      access_token: jwt({ ...auth, iat: now - 864_000 + 3600, exp: now + 3600 }),
      refresh_token: `rt_${randomBytes(32).toString('hex')}`,
    };
    const fresh = {
      id_token: jwt({ ...identity, iat: now, exp: now + 3600 }),
      access_token: jwt({ ...auth, iat: now, exp: now + 864_000 }),
      refresh_token: `rt_${randomBytes(32).toString('hex')}`,
    };
    const refreshBodies: Record<string, unknown>[] = [];
    let tokenServer: Server;
    let loginFile = '';
    let bottle: ModelBottle;

    before(async () => {
      assertDockerAvailable();
      tokenServer = createServer((req, res) => {
        let body = '';
        req.on('data', (chunk: Buffer) => (body += chunk.toString()));
        req.on('end', () => {
          refreshBodies.push(JSON.parse(body) as Record<string, unknown>);
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify(fresh));
        });
      });
      await new Promise<void>((resolve) => tokenServer.listen(0, '127.0.0.1', resolve));
      const port = (tokenServer.address() as AddressInfo).port;
      bottle = new ModelBottle({
        cli: 'codex',
        version: '0.171.0',
        bottle: `---
agent_provider: { name: codex, base_url: "https://chatgpt.test/backend-api/codex", version: "0.171.0" }
auth_token: { from: codex-login, path: codex-home/auth.json }
secrets:
  upstream: env:CB_E2E_UPSTREAM_TOKEN
egress:
  upstream_ca: test-ca.crt
  routes:
${UPSTREAM_ROUTE}
---
`,
        bottleName: 'codex-login',
        agentFile: '---\nbottle: codex-login\n---\nYou are a scripted test agent.\n',
        modelHost: 'chatgpt.test',
        script: 'builtin:codex-fetch',
        credential: fresh.access_token,
        env: {
          CB_E2E_UPSTREAM_TOKEN: UPSTREAM_TOKEN,
          CLAUDE_BOTTLE_CODEX_TOKEN_URL: `http://127.0.0.1:${port}/oauth/token`,
        },
        files: {
          'home/bottles/codex-home/auth.json': `${JSON.stringify({
            auth_mode: 'chatgpt',
            OPENAI_API_KEY: null,
            tokens: { ...old, account_id: 'acct-e2e-0001' },
            last_refresh: new Date((now - 864_000 + 3600) * 1000).toISOString(),
          })}\n`,
        },
      });
      const started = await bottle.start('coder', 'Fetch https://api.example.test/hello.');
      assert.equal(started.code, 0, started.stderr);
      assert.match(
        started.stderr,
        /provider sign-in: ChatGPT login from .*\(refreshed, expires in 9d 23h\)/,
      );
      loginFile = bottle.tree.path('home/bottles/codex-home/auth.json');
    });
    after(async () => {
      await bottle?.remove();
      tokenServer?.close();
    });

    it('refreshed on the host with the login’s refresh token, and wrote the new tokens back', async () => {
      assert.equal(refreshBodies.length, 1);
      assert.equal(refreshBodies[0]!.grant_type, 'refresh_token');
      assert.equal(refreshBodies[0]!.refresh_token, old.refresh_token);
      const host = JSON.parse(await readFile(loginFile, 'utf8')) as { tokens: typeof fresh };
      assert.equal(host.tokens.refresh_token, fresh.refresh_token);
      assert.equal(host.tokens.access_token, fresh.access_token);
    });

    it('runs a tool call with the fresh access token injected as the bearer', async () => {
      assert.deepEqual(await finished(bottle), ['curl', 'done']);
      const loop = (await bottle.transcript()).filter((e) => e.kind === 'agent-loop');
      for (const entry of loop) {
        assert.equal(entry.credential.header, 'authorization');
        assert.equal(entry.credential.ok, true, 'the model saw the refreshed access token');
      }
    });

    it('the agent’s auth.json holds placeholders with the real claims and expiry, never a token', async () => {
      const text = await bottle.inAgent('cat', '/home/agent/.codex/auth.json');
      const agentAuth = JSON.parse(text) as {
        tokens: {
          id_token: string;
          access_token: string;
          refresh_token: string;
          account_id: string;
        };
      };
      const claims = (token: string) =>
        JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<
          string,
          unknown
        >;
      assert.equal(claims(agentAuth.tokens.access_token).exp, now + 864_000);
      assert.deepEqual(
        claims(agentAuth.tokens.id_token)['https://api.openai.com/auth'],
        auth['https://api.openai.com/auth'],
      );
      assert.equal(claims(agentAuth.tokens.id_token).email, identity.email);
      assert.equal(agentAuth.tokens.account_id, 'acct-e2e-0001');
      assert.match(agentAuth.tokens.refresh_token, /claude-bottle-placeholder/);
      const every = [...Object.values(old), ...Object.values(fresh), UPSTREAM_TOKEN];
      // The signatures too: a token's last part alone would identify it.
      every.push(
        ...[...Object.values(old), ...Object.values(fresh)]
          .map((t) => t.split('.').at(-1)!)
          .filter((s) => s.length > 20),
      );
      await bottle.assertNoSecretInAgent(every);
      const env = await bottle.inAgent('env');
      assert.doesNotMatch(env, /^OPENAI_API_KEY=/m);
    });

    it('the launcher’s model route reaches the Codex API and the account check, nothing else', async () => {
      const text = await readFile(
        bottle.tree.path(`home/state/${bottle.slug}/live-config/routes.yaml`),
        'utf8',
      );
      assert.match(
        text,
        /host: chatgpt\.test\n\s+paths:\n\s+- \/backend-api\/codex\/\n\s+- \/backend-api\/wham\//,
      );
      assert.match(text, /secret: codex-login/);
    });
  },
);

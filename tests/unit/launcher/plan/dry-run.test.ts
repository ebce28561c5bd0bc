import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { after, describe, it } from 'node:test';
import { parse } from 'yaml';
import { runCliCaptured } from '../../../helpers/cli.js';
import { tempTree, type TempTree } from '../../../helpers/temp-home.js';

// The plan is data: `start --dry-run` writes it with no engine at all (DOCKER_HOST points
// nowhere), so every property of the compose file is checked here without Docker.
const trees: TempTree[] = [];
after(() => Promise.all(trees.map((t) => t.remove())));

interface LongVolume {
  type: string;
  source: string;
  target: string;
  read_only?: boolean;
  bind?: { create_host_path?: boolean };
}

interface Service {
  user?: string;
  networks: string[];
  volumes: Array<string | LongVolume>;
  cap_drop: string[];
  cap_add?: string[];
  security_opt: string[];
  environment: Record<string, string> | string[];
  command: string[];
}

async function plan(bottle: string) {
  const tree = await tempTree({
    'home/bottles/b.md': bottle,
    'home/agents/a.md': '---\nbottle: b\n---\nPrompt.\n',
  });
  trees.push(tree);
  const env = {
    ...process.env,
    CLAUDE_BOTTLE_HOME: tree.path('home'),
    DOCKER_HOST: 'unix:///nonexistent/docker.sock',
    CB_PLAN_SECRET: 'plan-secret-value-0123456789',
    CLAUDE_BOTTLE_RUNTIME_DIR: tree.path('runtime'),
  };
  const run = await runCliCaptured(['start', 'a', '--dry-run'], { env, cwd: tree.path('repo') });
  assert.equal(run.code, 0, run.stderr);
  const slug = /state\/(a-[0-9a-f]+)\//.exec(run.stdout)?.[1];
  assert.ok(slug, run.stdout.slice(0, 300));
  const dir = tree.path(`home/state/${slug}`);
  const text = await readFile(`${dir}/docker-compose.yml`, 'utf8');
  const compose = parse(text) as {
    name: string;
    services: Record<string, Service>;
    networks: Record<string, { internal?: boolean }>;
  };
  const metadata = JSON.parse(await readFile(`${dir}/metadata.json`, 'utf8')) as {
    status: string;
    secrets_dir?: string;
    manifest_sha256?: string;
  };
  return { dir, text, compose, metadata, run, runtime: tree.path('runtime') };
}

/** Short-syntax volumes as written; long-syntax ones as `source:target[:ro]`. */
function volumesOf(service: Service | undefined): string[] {
  return (service?.volumes ?? []).map((v) =>
    typeof v === 'string' ? v : `${v.source}:${v.target}${v.read_only ? ':ro' : ''}`,
  );
}

const WITH_EVERYTHING = `---
agent_provider: none
secrets:
  gh: env:CB_PLAN_SECRET
  key: env:CB_PLAN_SECRET
egress:
  routes:
    - host: api.github.com
      auth: { header: Authorization, scheme: Bearer, secret: gh }
git:
  remotes:
    - { name: origin, url: "ssh://git@git.example.test/acme/w.git", identity: key }
---
`;

describe('start --dry-run: the plan', () => {
  it('is written without an engine and marked planned', async () => {
    const { compose, metadata, run } = await plan(WITH_EVERYTHING);
    assert.equal(metadata.status, 'planned');
    // What policy diff tells a manifest edited since start by.
    assert.equal(
      metadata.manifest_sha256,
      createHash('sha256').update(WITH_EVERYTHING).digest('hex'),
    );
    assert.match(compose.name, /^cb-a-[0-9a-f]+$/);
    assert.deepEqual(Object.keys(compose.services).sort(), [
      'agent',
      'egress-proxy',
      'git-gate',
      'supervise',
    ]);
    assert.match(run.stdout, /# .*metadata\.json\n\{/);
  });

  it('puts the agent on the internal network only and supervise without egress', async () => {
    const { compose } = await plan(WITH_EVERYTHING);
    assert.equal(compose.networks.internal?.internal, true);
    assert.deepEqual(compose.services.agent?.networks, ['internal']);
    assert.deepEqual(compose.services.supervise?.networks, ['internal']);
    assert.deepEqual(compose.services['egress-proxy']?.networks, ['internal', 'egress']);
    assert.deepEqual(compose.services['git-gate']?.networks, ['internal', 'egress']);
  });

  it('hardens every container and never runs a sidecar as root', async () => {
    const { compose } = await plan(WITH_EVERYTHING);
    for (const [name, service] of Object.entries(compose.services)) {
      assert.deepEqual(service.cap_drop, ['ALL'], name);
      assert.ok(service.security_opt.includes('no-new-privileges:true'), name);
      assert.ok(!volumesOf(service).some((v) => v.includes('docker.sock')), name);
      if (name !== 'agent') assert.match(service.user ?? '', /^[1-9]\d*:\d+$/, name);
    }
  });

  it('mounts the CA key only into the proxy and decided/ read-only everywhere', async () => {
    const { compose, dir } = await plan(WITH_EVERYTHING);
    for (const [name, service] of Object.entries(compose.services)) {
      const volumes = volumesOf(service);
      const caDir = volumes.some((v) => v.startsWith(`${dir}/egress-proxy/ca:`));
      assert.equal(caDir, name === 'egress-proxy', `${name} ${caDir ? 'has' : 'lacks'} the CA dir`);
      for (const volume of volumes.filter((v) => v.includes('/queue/decided:')))
        assert.match(volume, /:ro$/, name);
      for (const volume of volumes.filter((v) => v.includes('/live-config:')))
        assert.match(volume, /:ro$/, name);
    }
    assert.ok(
      volumesOf(compose.services.agent).includes(
        `${dir}/egress-proxy/ca/ca.crt:/etc/claude-bottle/ca.crt:ro`,
      ),
    );
    assert.equal((await stat(`${dir}/egress-proxy/ca/ca.key`)).mode & 0o777, 0o600);
  });

  it('hands secrets over as files: no secret variable anywhere, a read-only mount per sidecar', async () => {
    const { compose, text, dir, metadata, run, runtime } = await plan(WITH_EVERYTHING);
    assert.ok(!text.includes('plan-secret-value'), 'a secret value is in the compose file');
    assert.ok(!run.stdout.includes('plan-secret-value'), 'a secret value is in the plan output');
    assert.doesNotMatch(text, /EGRESS_SECRET_|GIT_GATE_CREDENTIAL_/);
    for (const [name, service] of Object.entries(compose.services)) {
      const environment = service.environment ?? [];
      const names = Array.isArray(environment)
        ? environment.map((e) => e.split('=')[0]!)
        : Object.keys(environment);
      for (const variable of names) assert.doesNotMatch(variable, /SECRET|CREDENTIAL/, name);
    }
    const secretsDir = metadata.secrets_dir ?? '';
    assert.ok(secretsDir.startsWith(`${runtime}/`), secretsDir);
    assert.ok(!secretsDir.startsWith(dir), 'the secrets are not under state/');
    for (const [name, service] of Object.entries(compose.services)) {
      const mounts = service.volumes.filter(
        (v): v is LongVolume => typeof v !== 'string' && v.source.startsWith(secretsDir),
      );
      if (name !== 'egress-proxy' && name !== 'git-gate') {
        assert.deepEqual(mounts, [], `${name} mounts a secrets folder`);
        assert.ok(!volumesOf(service).some((v) => v.startsWith(secretsDir)), name);
        continue;
      }
      assert.deepEqual(mounts, [
        {
          type: 'bind',
          source: `${secretsDir}/${name}`,
          target: '/run/claude-bottle/secrets',
          read_only: true,
          bind: { create_host_path: false },
        },
      ]);
      const flag = service.command.indexOf('--secrets-dir');
      assert.equal(service.command[flag + 1], '/run/claude-bottle/secrets', name);
    }
    // A plan reads no value and writes no secret file.
    await assert.rejects(stat(secretsDir), { code: 'ENOENT' });
    const agentEnv = compose.services.agent?.environment as Record<string, string>;
    assert.equal(agentEnv.HTTPS_PROXY, 'http://egress-proxy:3128');
    assert.equal(agentEnv.NO_PROXY, 'supervise,git-gate,localhost,127.0.0.1');
    assert.equal(agentEnv.NODE_EXTRA_CA_CERTS, '/etc/claude-bottle/ca.crt');
    const gitconfig = await readFile(`${dir}/agent/gitconfig`, 'utf8');
    assert.match(
      gitconfig,
      /\[url "git:\/\/git-gate\/origin\.git"\]\n\tinsteadOf = ssh:\/\/git@git\.example\.test\/acme\/w\.git/,
    );
  });

  it('writes live-config with the routes the proxy parser accepts', async () => {
    const { dir } = await plan(WITH_EVERYTHING);
    const routes = parse(await readFile(`${dir}/live-config/routes.yaml`, 'utf8')) as {
      routes: { host: string; auth: { secret: string } }[];
    };
    assert.equal(routes.routes[0]?.host, 'api.github.com');
    assert.equal(routes.routes[0]?.auth.secret, 'gh');
    const policy = JSON.parse(await readFile(`${dir}/live-config/git-policy.json`, 'utf8')) as {
      remotes: { name: string; credential: string }[];
    };
    assert.deepEqual(
      policy.remotes.map((r) => [r.name, r.credential]),
      [['origin', 'origin']],
    );
  });

  it('leaves git-gate out when there are no remotes, and supervise when it is disabled', async () => {
    const { compose } = await plan(
      '---\nagent_provider: none\nsupervise: { enabled: false }\n---\n',
    );
    assert.deepEqual(Object.keys(compose.services).sort(), ['agent', 'egress-proxy']);
    assert.ok(!compose.services['egress-proxy']?.command.includes('--queue'));
  });
});

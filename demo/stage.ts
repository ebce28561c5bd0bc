import { createHash, randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { createDocker } from '../launcher/docker.js';
import { ensureImage } from '../launcher/images/ensure.js';
import { baseRecipe } from '../launcher/images/recipes.js';
import {
  buildUpstreamImage,
  generateSshKey,
  upstreamCommit,
} from '../tests/e2e/git-gate/fixture.js';
import { joinNetworksOnCreate } from '../tests/helpers/join-on-create.js';
import { makeServerCert } from '../tests/helpers/test-tls.js';
import { demoAgent, demoBottle, DEMO_HOSTS } from './manifest.js';

/**
 * Everything the demo runs beside the bottle, all local: a temporary CLAUDE_BOTTLE_HOME seeded
 * from examples/, the scripted model (api.anthropic.test), an HTTPS API (api.example.test) and an
 * sshd git remote (git.example.test). The three join the bottle's egress network under those
 * names the moment compose creates it, so nothing the bottle reaches is on the internet.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const CLI = join(ROOT, 'bin/claude-bottle.js');
export const CLAUDE_CODE_VERSION = process.env.CLAUDE_CODE_VERSION ?? '2.1.332';

export interface Stage {
  root: string;
  home: string;
  env: NodeJS.ProcessEnv;
  agent: string;
  /** sha256 of the upstream credential as the API receives it (`Bearer <token>`). */
  credentialSha256: string;
  gitRemote: string;
  modelTranscript: string;
  slug: string;
  cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  teardown(): Promise<string[]>;
}

export type Progress = (line: string) => void;

async function packedCli(progress: Progress): Promise<string> {
  progress(`the Claude Code CLI ${CLAUDE_CODE_VERSION} (npm pack once, then cached)`);
  const fetched = await execa('bash', [
    join(ROOT, 'tests/fixtures/scripted-model/fetch-cli.sh'),
    CLAUDE_CODE_VERSION,
  ]);
  const binary = fetched.stdout.trim();
  const dir = binary.slice(0, binary.indexOf('/package/'));
  const tarball = (await readdir(dir)).find((name) => name.endsWith('.tgz'));
  if (!tarball)
    throw new Error(`no packed CLI in ${dir}: run tests/fixtures/scripted-model/fetch-cli.sh`);
  return join(dir, tarball);
}

export async function prepareStage(progress: Progress): Promise<Stage> {
  const root = await mkdtemp(join(tmpdir(), 'claude-bottle-demo-'));
  const home = join(root, 'home');
  const containers: string[] = [];
  let stopJoining: (() => void) | undefined;
  let slug = '';
  try {
    progress(`a temporary home seeded from examples/: ${home}`);
    await cp(join(ROOT, 'examples'), home, { recursive: true });
    const token = `demo-${randomBytes(16).toString('hex')}`;
    const key = `sk-ant-api03-${randomBytes(24).toString('hex')}`;
    const [tarball, ssh] = await Promise.all([packedCli(progress), generateSshKey()]);
    await mkdir(join(root, 'keys'), { mode: 0o700 });
    await writeFile(join(root, 'keys/deploy'), ssh.privateKey, { mode: 0o600 });
    makeServerCert(join(home, 'bottles'), [DEMO_HOSTS.model, DEMO_HOSTS.api]);
    const gitRemote = `ssh://git@${DEMO_HOSTS.git}/srv/repo.git`;
    await writeFile(
      join(home, 'bottles/demo.md'),
      demoBottle({
        cliVersion: CLAUDE_CODE_VERSION,
        deployKey: join(root, 'keys/deploy'),
        gitRemote,
      }),
    );
    await writeFile(join(home, 'agents/demo.md'), demoAgent());

    const env: NodeJS.ProcessEnv = {
      ...process.env,
      CLAUDE_BOTTLE_HOME: home,
      CLAUDE_BOTTLE_PROVIDER_PACKAGE: tarball,
      CLAUDE_BOTTLE_OPERATOR: process.env.CLAUDE_BOTTLE_OPERATOR ?? 'demo-operator',
      DEMO_ANTHROPIC_KEY: key,
      DEMO_API_TOKEN: token,
    };
    progress('the base image, the scripted model bundle and the git remote image');
    const [base, upstreamImage] = await Promise.all([
      ensureImage(createDocker(env), baseRecipe(), (line) => progress(`  ${line}`)),
      buildUpstreamImage(),
      execa(process.execPath, [
        join(ROOT, 'tests/fixtures/scripted-model/bundle.mjs'),
        join(root, 'model/scripted-model.mjs'),
      ]),
    ]);
    const tag = randomBytes(3).toString('hex');
    const names = {
      model: `cbdemo-model-${tag}`,
      api: `cbdemo-api-${tag}`,
      git: `cbdemo-git-${tag}`,
    };
    const certs = [
      '-v',
      `${home}/bottles/server.crt:/srv/server.crt:ro`,
      '-v',
      `${home}/bottles/server.key:/srv/server.key:ro`,
    ];
    const credentialSha256 = createHash('sha256').update(`Bearer ${token}`).digest('hex');
    progress('the scripted model, the HTTPS API and the git remote (local containers)');
    containers.push(names.model, names.api, names.git);
    const run = (args: string[], envs: Record<string, string> = {}) =>
      execa('docker', ['run', '-d', '--label', 'dev.claude-bottle.demo=1', ...args], {
        env: { ...process.env, ...envs },
      });
    await run([
      '--name',
      names.model,
      ...certs,
      '-v',
      `${root}/model:/srv/model`,
      base,
      'node',
      '/srv/model/scripted-model.mjs',
      '--script',
      `builtin:demo-tour?credential_sha256=${credentialSha256}`,
      '--tls-cert',
      '/srv/server.crt',
      '--tls-key',
      '/srv/server.key',
      '--expect-credential-sha256',
      createHash('sha256').update(key).digest('hex'),
      '--transcript',
      '/srv/model/transcript.jsonl',
    ]);
    await run([
      '--name',
      names.api,
      ...certs,
      '-v',
      `${join(ROOT, 'tests/fixtures/upstream-server.mjs')}:/srv/upstream-server.mjs:ro`,
      base,
      'node',
      '/srv/upstream-server.mjs',
    ]);
    await run(['--name', names.git, '-e', 'AUTHORIZED_KEY', upstreamImage], {
      AUTHORIZED_KEY: ssh.publicKey,
    });
    await upstreamCommitWhenUp(names.git);

    // The bottle's egress network exists only once compose creates it: join it right then.
    stopJoining = await joinNetworksOnCreate(
      /^cb-demo-[0-9a-f]+-egress$/,
      (Object.keys(DEMO_HOSTS) as (keyof typeof DEMO_HOSTS)[]).map((role) => [
        names[role],
        DEMO_HOSTS[role],
      ]),
    );

    const cli = async (...argv: string[]) => {
      const out = await execa(process.execPath, [CLI, ...argv], { env, reject: false, cwd: root });
      return { code: out.exitCode ?? 1, stdout: out.stdout, stderr: out.stderr };
    };
    const stage: Stage = {
      root,
      home,
      env,
      agent: 'demo',
      credentialSha256,
      gitRemote,
      modelTranscript: join(root, 'model/transcript.jsonl'),
      get slug() {
        return slug;
      },
      set slug(value: string) {
        slug = value;
      },
      cli,
      async teardown() {
        stopJoining?.();
        return tearDown(stage, containers);
      },
    };
    return stage;
  } catch (error) {
    stopJoining?.();
    await execa('docker', ['rm', '-f', ...containers], { reject: false });
    await rm(root, { recursive: true, force: true });
    throw error;
  }
}

async function upstreamCommitWhenUp(container: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await upstreamCommit(container, 'README.md', 'The demo repository.');
      return;
    } catch (error) {
      if (attempt > 40) throw error;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** Removes the bottle (containers, networks, volume), the helpers and the home; lists leftovers. */
async function tearDown(stage: Stage, helpers: string[]): Promise<string[]> {
  if (stage.slug) {
    const project = `cb-${stage.slug}`;
    await stage.cli('stop', stage.slug);
    for (const helper of helpers)
      await execa('docker', ['network', 'disconnect', '-f', `${project}-egress`, helper], {
        reject: false,
      });
    await execa(
      'docker',
      [
        'compose',
        '-f',
        join(stage.home, `state/${stage.slug}/docker-compose.yml`),
        'down',
        '-v',
        '--timeout',
        '2',
      ],
      { env: stage.env, reject: false },
    );
    await execa('docker', ['volume', 'rm', '-f', `${project}-workspace`], { reject: false });
  }
  await execa('docker', ['rm', '-f', ...helpers], { reject: false });
  await rm(stage.root, { recursive: true, force: true });
  const left: string[] = [];
  if (stage.slug) {
    const project = `cb-${stage.slug}`;
    const ps = await execa('docker', [
      'ps',
      '-aq',
      '--filter',
      `label=com.docker.compose.project=${project}`,
    ]);
    if (ps.stdout.trim()) left.push(`containers of ${project}`);
    const nets = await execa('docker', ['network', 'ls', '-q', '--filter', `name=${project}`]);
    if (nets.stdout.trim()) left.push(`networks of ${project}`);
    const vols = await execa('docker', ['volume', 'ls', '-q', '--filter', `name=${project}`]);
    if (vols.stdout.trim()) left.push(`volumes of ${project}`);
  }
  const demo = await execa('docker', ['ps', '-aq', '--filter', 'label=dev.claude-bottle.demo=1']);
  if (demo.stdout.trim()) left.push('demo helper containers');
  return left;
}

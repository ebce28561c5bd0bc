import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { createDocker } from '../../../launcher/docker.js';
import { ensureImage } from '../../../launcher/images/ensure.js';
import { baseRecipe } from '../../../launcher/images/recipes.js';
import { runCliCaptured, type CliRun } from '../../helpers/cli.js';
import { joinNetworksOnCreate } from '../../helpers/join-on-create.js';
import { tempTree, type TempTree } from '../../helpers/temp-home.js';
import { makeServerCert } from '../../helpers/test-tls.js';
import { removeSecretFolders } from '../../helpers/bottle-secrets.js';

/**
 * A bottle whose agent is a real provider CLI talking to the scripted model (the one stand-in),
 * beside a local HTTPS upstream. Both run as containers on the project's base image and join the
 * bottle's egress network under `.test` names the moment compose creates it (again on `resume`),
 * so the CLI's first call already finds them. Nothing leaves the machine.
 */

const FETCH_CLI = fileURLToPath(
  new URL('../../fixtures/scripted-model/fetch-cli.sh', import.meta.url),
);
const MODEL_BUNDLER = fileURLToPath(
  new URL('../../fixtures/scripted-model/bundle.mjs', import.meta.url),
);
const UPSTREAM_SCRIPT = fileURLToPath(
  new URL('../../fixtures/upstream-server.mjs', import.meta.url),
);

export interface ModelRequest {
  step: string | null;
  kind: string;
  api: string | null;
  turn?: { assistantTurns: number };
  credential: { ok: boolean; placeholder: boolean; header: string | null };
}

export interface ModelBottleOptions {
  /** `claude` (fetch-cli.sh's default) or `codex`. */
  cli: 'claude' | 'codex';
  version: string;
  /** The bottle manifest (bottles/<bottleName>.md); its upstream_ca is test-ca.crt. */
  bottle: string;
  bottleName: string;
  agentFile: string;
  /** The model's `.test` name, the host of the bottle's base_url. */
  modelHost: string;
  script: string;
  /** The credential the proxy injects: the model refuses any request without it. */
  credential: string;
  /** Extra environment for the launcher (the secrets the manifest names). */
  env: Record<string, string>;
  /** More files for the test's tree (paths relative to it, e.g. a login under home/). */
  files?: Record<string, string>;
}

const UPSTREAM_HOST = 'api.example.test';

export class ModelBottle {
  tree!: TempTree;
  env!: NodeJS.ProcessEnv;
  slug = '';
  private readonly helpers: string[] = [];
  private stopJoining: (() => void) | undefined;

  constructor(private readonly options: ModelBottleOptions) {}

  get composeFile(): string {
    return this.tree.path(`home/state/${this.slug}/docker-compose.yml`);
  }

  /** Packs the CLI (cached), builds the model bundle, starts model and upstream, then the bottle. */
  async start(agent: string, prompt: string): Promise<CliRun> {
    const { options } = this;
    const fetched = await execa('bash', [
      FETCH_CLI,
      ...(options.cli === 'codex' ? ['codex'] : []),
      options.version,
    ]);
    // fetch-cli.sh prints the executable; the .tgz sits beside the unpacked package/.
    const binary = fetched.stdout.trim();
    const cliDir = binary.slice(0, binary.indexOf('/package/'));
    const tarball = (await readdir(cliDir)).find((name) => name.endsWith('.tgz'));
    assert.ok(tarball, `no packed CLI in ${cliDir}`);
    this.tree = await tempTree({
      [`home/bottles/${options.bottleName}.md`]: options.bottle,
      [`home/agents/${agent}.md`]: options.agentFile,
      ...options.files,
    });
    const certs = this.tree.path('home/bottles');
    makeServerCert(certs, [options.modelHost, UPSTREAM_HOST]);
    await mkdir(this.tree.path('model/requests'), { recursive: true });
    await execa(process.execPath, [MODEL_BUNDLER, this.tree.path('model/scripted-model.mjs')]);
    this.env = {
      ...process.env,
      CLAUDE_BOTTLE_HOME: this.tree.path('home'),
      CLAUDE_BOTTLE_PROVIDER_PACKAGE: join(cliDir, tarball),
      CLAUDE_BOTTLE_OPERATOR: 'e2e-operator',
      ...options.env,
    };
    const base = await ensureImage(createDocker(this.env), baseRecipe(), () => {});
    const mounts = [
      '-v',
      `${certs}/server.crt:/srv/server.crt:ro`,
      '-v',
      `${certs}/server.key:/srv/server.key:ro`,
    ];
    const tag = randomBytes(3).toString('hex');
    const model = `cbtest-model-${tag}`;
    const upstream = `cbtest-upstream-${tag}`;
    this.helpers.push(model, upstream);
    await execa('docker', [
      'run',
      '-d',
      '--name',
      model,
      ...mounts,
      '-v',
      `${this.tree.path('model')}:/srv/model`,
      base,
      'node',
      '/srv/model/scripted-model.mjs',
      '--script',
      options.script,
      '--tls-cert',
      '/srv/server.crt',
      '--tls-key',
      '/srv/server.key',
      '--expect-credential-sha256',
      createHash('sha256').update(options.credential).digest('hex'),
      '--transcript',
      '/srv/model/transcript.jsonl',
      '--dump-requests',
      '/srv/model/requests',
    ]);
    await execa('docker', [
      'run',
      '-d',
      '--name',
      upstream,
      ...mounts,
      '-v',
      `${UPSTREAM_SCRIPT}:/srv/upstream-server.mjs:ro`,
      base,
      'node',
      '/srv/upstream-server.mjs',
    ]);
    const aliases: [string, string][] = [
      [model, options.modelHost],
      [upstream, UPSTREAM_HOST],
    ];
    this.stopJoining = await joinNetworksOnCreate(
      new RegExp(`^cb-${agent}-[0-9a-f]+-egress$`),
      aliases,
    );
    const started = await this.cli('start', agent, '--detach', '--prompt', prompt);
    this.slug = started.stdout.trim();
    return started;
  }

  cli(...argv: string[]): Promise<CliRun> {
    return runCliCaptured(argv, { env: this.env, cwd: this.tree.root });
  }

  /** Takes the helpers off the egress network, so `stop` (compose down) can remove it. */
  async detachHelpers(): Promise<void> {
    for (const name of this.helpers)
      await execa('docker', ['network', 'disconnect', '-f', `cb-${this.slug}-egress`, name], {
        reject: false,
      });
  }

  async transcript(): Promise<ModelRequest[]> {
    const text = await readFile(this.tree.path('model/transcript.jsonl'), 'utf8').catch(() => '');
    return text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as ModelRequest);
  }

  /** The request bodies the model received, in order (they hold no credential). */
  async requestBodies(): Promise<string[]> {
    const dir = this.tree.path('model/requests');
    const files = (await readdir(dir)).sort((a, b) => parseInt(a, 10) - parseInt(b, 10));
    return Promise.all(files.map((file) => readFile(join(dir, file), 'utf8')));
  }

  async logs(service: string): Promise<string> {
    const out = await execa(
      'docker',
      ['compose', '-f', this.composeFile, 'logs', '--no-color', service],
      { env: this.env, reject: false },
    );
    return out.stdout;
  }

  /** Runs a command in a fresh agent container of the bottle (same image, env and volumes). */
  async inAgent(entrypoint: string, ...args: string[]): Promise<string> {
    const look = await execa(
      'docker',
      [
        'compose',
        '-f',
        this.composeFile,
        'run',
        '--rm',
        '--no-deps',
        '--user',
        '1000:1000',
        '--entrypoint',
        entrypoint,
        'agent',
        ...args,
      ],
      { env: this.env, reject: false },
    );
    return look.stdout;
  }

  /** Fails when a secret is anywhere the agent can read, or in the session it keeps. */
  async assertNoSecretInAgent(secrets: string[]): Promise<void> {
    const look = await this.inAgent(
      'bash',
      '-c',
      'env; grep -rl . /home/agent /workspace /etc/claude-bottle 2>/dev/null | xargs -r cat 2>/dev/null',
    );
    assert.ok(look.length > 0, 'the look inside the agent container printed nothing');
    for (const secret of secrets)
      assert.ok(!look.includes(secret), 'a secret is inside the agent container');
    const transcriptDir = this.tree.path(`home/state/${this.slug}/transcript`);
    const files = await readdir(transcriptDir, { recursive: true });
    for (const file of files) {
      const text = await readFile(join(transcriptDir, file), 'utf8').catch(() => '');
      for (const secret of secrets)
        assert.ok(!text.includes(secret), `a secret in transcript/${file}`);
    }
  }

  async remove(): Promise<void> {
    this.stopJoining?.();
    for (const name of this.helpers) await execa('docker', ['rm', '-f', name], { reject: false });
    if (this.slug)
      await execa('docker', ['compose', '-f', this.composeFile, 'down', '-v', '--timeout', '2'], {
        reject: false,
        env: this.env,
      });
    if (this.tree) await removeSecretFolders(this.tree.path('home'));
    await this.tree?.remove();
  }
}

export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  ms = 240_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

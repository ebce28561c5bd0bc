import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { execa } from 'execa';

// Containers for the git-gate e2e tests: an sshd upstream on an egress network, the gate on
// that network and an --internal one, and a client (the "agent") on the internal one only.
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const GATE_UID = '10001:10001';

export async function docker(
  args: string[],
  options: { input?: string; env?: Record<string, string> } = {},
) {
  return execa('docker', args, {
    reject: false,
    timeout: 300_000,
    input: options.input ?? '',
    env: options.env,
  });
}

async function buildTagged(
  name: string,
  files: Record<string, string | Uint8Array>,
): Promise<string> {
  const hash = createHash('sha256');
  for (const [file, content] of Object.entries(files).sort(([a], [b]) => a.localeCompare(b))) {
    hash.update(file).update('\0').update(content).update('\0');
  }
  const tag = `cbtest-${name}:${hash.digest('hex').slice(0, 12)}`;
  if ((await docker(['image', 'inspect', tag])).exitCode === 0) return tag;
  const context = await mkdtemp(join(tmpdir(), `cbtest-${name}-`));
  try {
    for (const [file, content] of Object.entries(files))
      await writeFile(join(context, file), content);
    const result = await docker(['build', '-q', '-t', tag, context]);
    if (result.exitCode !== 0) throw new Error(`building ${tag} failed:\n${result.stderr}`);
  } finally {
    await rm(context, { recursive: true, force: true });
  }
  return tag;
}

/** The gate image exactly as the launcher assembles it: the Dockerfile plus the bundle. */
export async function buildGateImage(): Promise<string> {
  const bundle = await build({
    stdin: {
      contents:
        "import { main } from './images/git-gate/main.ts';\nprocess.exitCode = await main(process.argv.slice(2));\n",
      resolveDir: ROOT,
      sourcefile: 'git-gate-entry.ts',
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    write: false,
    banner: {
      js: "import { createRequire as __cbRequire } from 'node:module'; const require = __cbRequire(import.meta.url);",
    },
    legalComments: 'none',
    logLevel: 'warning',
  });
  const output = bundle.outputFiles[0];
  if (!output) throw new Error('esbuild produced no bundle');
  return buildTagged('git-gate', {
    Dockerfile: await readFile(join(ROOT, 'images/git-gate/Dockerfile'), 'utf8'),
    'git-gate.mjs': output.contents,
  });
}

const UPSTREAM_DOCKERFILE = `FROM debian:trixie-slim
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends openssh-server git >/dev/null && rm -rf /var/lib/apt/lists/*
RUN useradd -m -s /bin/bash git && usermod -p '*' git && mkdir -p /run/sshd \\
 && git init --bare -q -b main /srv/repo.git && chown -R git:git /srv/repo.git
COPY start.sh /usr/local/bin/start-upstream
CMD ["bash", "/usr/local/bin/start-upstream"]
`;

// The gate's public key arrives in $AUTHORIZED_KEY; sshd logs to stderr.
const UPSTREAM_START = `set -e
install -d -m 700 -o git -g git /home/git/.ssh
printf '%s\\n' "$AUTHORIZED_KEY" > /home/git/.ssh/authorized_keys
chown git:git /home/git/.ssh/authorized_keys && chmod 600 /home/git/.ssh/authorized_keys
exec /usr/sbin/sshd -D -e
`;

const CLIENT_DOCKERFILE = `FROM debian:trixie-slim
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends git >/dev/null && rm -rf /var/lib/apt/lists/*
RUN useradd -m -u 1000 -s /bin/bash agent
`;

export function buildUpstreamImage(): Promise<string> {
  return buildTagged('git-upstream', {
    Dockerfile: UPSTREAM_DOCKERFILE,
    'start.sh': UPSTREAM_START,
  });
}

export function buildClientImage(): Promise<string> {
  return buildTagged('git-client', { Dockerfile: CLIENT_DOCKERFILE });
}

export interface SshKey {
  privateKey: string;
  publicKey: string;
}

export async function generateSshKey(): Promise<SshKey> {
  const dir = await mkdtemp(join(tmpdir(), 'cbtest-key-'));
  try {
    await execa('ssh-keygen', [
      '-q',
      '-t',
      'ed25519',
      '-N',
      '',
      '-C',
      'cbtest-gate',
      '-f',
      join(dir, 'id'),
    ]);
    return {
      privateKey: await readFile(join(dir, 'id'), 'utf8'),
      publicKey: (await readFile(join(dir, 'id.pub'), 'utf8')).trim(),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs a bash script in a container, as `user`; never throws. */
export function sh(container: string, script: string, user?: string) {
  return docker(['exec', ...(user ? ['-u', user] : []), container, 'bash', '-c', script]);
}

/** Commits a file on the upstream container's main branch, as someone other than the agent. */
export async function upstreamCommit(
  container: string,
  file: string,
  content: string,
): Promise<string> {
  const result = await sh(
    container,
    `set -e; cd /home/git; rm -rf w; git clone -q /srv/repo.git w 2>/dev/null; cd w
     git checkout -q -B main; printf '%s\\n' '${content}' > '${file}'; git add -A
     git -c user.name=upstream -c user.email=up@upstream.test commit -qm 'upstream: ${file}'
     git push -q origin HEAD:main; git rev-parse HEAD`,
    'git',
  );
  if (result.exitCode !== 0) throw new Error(`upstream commit failed: ${result.stderr}`);
  return result.stdout.trim();
}

/** The commit a ref of the upstream's bare repository points at, if it exists. */
export async function upstreamRef(container: string, ref: string): Promise<string | undefined> {
  const result = await sh(container, `git -C /srv/repo.git rev-parse --verify -q '${ref}'`, 'git');
  return result.exitCode === 0 ? result.stdout.trim() : undefined;
}

export async function containerIp(container: string, network: string): Promise<string> {
  const result = await docker([
    'inspect',
    '-f',
    `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`,
    container,
  ]);
  return result.stdout.trim();
}

/** Host folders for one gate: live-config/ (mounted read-only) and state (read-write). */
export async function makeGateDirs(): Promise<{ root: string; liveConfig: string; state: string }> {
  const root = await mkdtemp(join(tmpdir(), 'cbtest-gate-'));
  const liveConfig = join(root, 'live-config');
  const state = join(root, 'state');
  await mkdir(liveConfig);
  await mkdir(state);
  // The gate runs as an arbitrary non-root uid, as the launcher runs it.
  await chmod(state, 0o777);
  await chmod(root, 0o755);
  return { root, liveConfig, state };
}

/** A GitHub-token-shaped random string: never a real token. */
export function fakeGithubToken(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(36);
  return `ghp_${Array.from(bytes, (byte) => alphabet[byte % alphabet.length]).join('')}`;
}

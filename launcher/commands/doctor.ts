import type { Command } from '../../lib/cli-args.js';
import { formatError } from '../../lib/errors.js';
import { resolveHome } from '../../lib/home.js';
import type { DockerAdapter } from '../docker.js';

export const BASE_IMAGE = 'debian:trixie-slim';
const MIN_NODE = [20, 19] as const;

interface Check {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

export const doctorCommand: Command = {
  name: 'doctor',
  summary:
    'check Node, the Docker engine, compose v2, the base image; list cached provider CLIs and each bottle’s sign-in',
  help: `usage: claude-bottle doctor

Checks what claude-bottle needs on this machine and prints the exact fix for anything
missing:
  node     Node.js >= ${MIN_NODE.join('.')}
  engine   a Docker engine that answers (honours DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH)
  compose  the compose v2 plugin (\`docker compose\`)
  base     the base image ${BASE_IMAGE} every bottle image builds from
  cli      the provider CLIs (claude, codex) packed in $CLAUDE_BOTTLE_HOME/cache: name,
           version, architecture. Listed only: the registry is not asked, and an empty
           cache is no failure (start packs what it needs)
  sign-in  per bottle in $CLAUDE_BOTTLE_HOME: which credential its provider signs in with
           (API key, subscription token, bearer token, ChatGPT login) and whether the host
           side is there (the variable, the file, the login's expiry). Values are never
           printed; a missing one is reported ("miss"), not counted as a failure

Exit status: 0 when all are present, 69 when something required is missing.
`,
  options: {},
  async run(_args, io) {
    // Loaded on use: `--help` and other verbs never pay for dockerode or the SDK.
    const { composeVersion } = await import('../compose.js');
    const { createDocker } = await import('../docker.js');
    const checks: Check[] = [checkNode(process.versions.node)];
    const docker = createDocker(io.env);
    let engineUp = false;
    try {
      const version = await docker.serverVersion();
      engineUp = true;
      checks.push({ name: 'engine', ok: true, detail: `Docker ${version} at ${docker.endpoint}` });
    } catch (error) {
      checks.push({
        name: 'engine',
        ok: false,
        detail: firstLine(formatError(error)),
        fix: hintOf(error),
      });
    }
    try {
      checks.push({
        name: 'compose',
        ok: true,
        detail: `docker compose ${await composeVersion({ env: io.env })}`,
      });
    } catch (error) {
      checks.push({
        name: 'compose',
        ok: false,
        detail: firstLine(formatError(error)),
        fix: hintOf(error),
      });
    }
    if (engineUp) {
      const present = await docker.imageExists(BASE_IMAGE).catch(() => false);
      checks.push(
        present
          ? { name: 'base', ok: true, detail: `${BASE_IMAGE} present` }
          : {
              name: 'base',
              ok: false,
              detail: `${BASE_IMAGE} is not in the engine's image store`,
              fix: `docker pull ${BASE_IMAGE}; without a registry, as root on Debian: sudo bash .ci/setup-engine.sh (debootstrap + docker import)`,
            },
      );
    } else {
      checks.push({
        name: 'base',
        ok: false,
        detail: 'not checked: no engine',
        fix: 'start the engine first',
      });
    }
    checks.push(
      await cachedProvidersCheck(resolveHome(io.env, io.cwd), engineUp ? docker : undefined),
    );
    for (const check of checks) {
      io.stdout.write(`${check.ok ? 'ok  ' : 'FAIL'}  ${check.name.padEnd(8)} ${check.detail}\n`);
      if (!check.ok && check.fix) io.stdout.write(`      fix: ${check.fix}\n`);
    }
    // Per bottle, and never a failure of the machine: a bottle nobody starts may lack its key.
    const { signInChecks } = await import('../credentials/doctor-check.js');
    const signIns = await signInChecks(resolveHome(io.env, io.cwd), io.cwd, io.env).catch(() => []);
    for (const check of signIns) {
      const level = { ok: 'ok  ', warn: 'warn', fail: 'miss' }[check.level];
      io.stdout.write(`${level}  sign-in  ${check.bottle}: ${check.detail}\n`);
      if (check.level !== 'ok' && check.fix) io.stdout.write(`      fix: ${check.fix}\n`);
    }
    const failed = checks.filter((check) => !check.ok).length;
    io.stdout.write(failed === 0 ? 'all checks passed\n' : `${failed} check(s) failed\n`);
    return failed === 0 ? 0 : 69;
  },
};

/** The cached CLIs, and which architecture this engine needs: read from the cache folder only. */
async function cachedProvidersCheck(
  home: string,
  docker: Pick<DockerAdapter, 'platform'> | undefined,
): Promise<Check> {
  const { cachedProviders } = await import('../images/provider.js');
  const { npmArch } = await import('../images/provider-package.js');
  const cached = await cachedProviders(home);
  const listed = cached.map((c) => `${c.name} ${c.version}${c.arch ? ` (linux-${c.arch})` : ''}`);
  let engine = '';
  if (docker) {
    try {
      engine = `; this engine needs linux-${npmArch(await docker.platform())}`;
    } catch (error) {
      engine = `; ${firstLine(formatError(error))}`;
    }
  }
  return {
    name: 'cli',
    ok: true,
    detail:
      cached.length > 0
        ? `cached: ${listed.join(', ')}${engine}`
        : `no provider CLI cached yet (start packs one from the npm registry)${engine}`,
  };
}

export function checkNode(version: string): Check {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const ok = major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1]);
  return ok
    ? { name: 'node', ok, detail: `Node ${version}` }
    : {
        name: 'node',
        ok,
        detail: `Node ${version} is older than ${MIN_NODE.join('.')}`,
        fix: 'install Node 20.19 or newer (nodejs.org, or your distribution / nvm)',
      };
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

function hintOf(error: unknown): string | undefined {
  return (error as { hint?: string }).hint;
}

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BottleError } from '../../lib/errors.js';
import type { GitRemote } from './policy.js';
import { DEFAULT_SECRETS_DIR, runtimeFile, SECRETS_DIR_ENV } from './paths.js';

/** Host and port of an upstream URL, as ssh and curl see them. */
export interface UpstreamEndpoint {
  kind: 'ssh' | 'https';
  host: string;
  port: number;
}

export function parseUpstreamUrl(url: string): UpstreamEndpoint {
  const scp = /^[^@\s]+@([^:\s]+):/.exec(url);
  if (scp && !url.includes('://')) return { kind: 'ssh', host: scp[1] ?? '', port: 22 };
  const parsed = new URL(url);
  const kind = parsed.protocol === 'https:' ? 'https' : 'ssh';
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  const port = parsed.port === '' ? (kind === 'https' ? 443 : 22) : Number(parsed.port);
  return { kind, host, port };
}

/** What a git command talking to the upstream needs: extra `-c` arguments and environment. */
export interface UpstreamAccess {
  url: string;
  configArgs: string[];
  env: Record<string, string>;
  dispose(): Promise<void>;
}

export interface AccessContext {
  knownHostsFile: string;
  runtimeDir?: string;
  /** Where GIT_GATE_SECRETS_DIR (the secrets folder) is read from. */
  env?: NodeJS.ProcessEnv;
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** The remote's credential file, read (and refused when missing or empty) before any use. */
async function credentialFrom(
  remote: GitRemote,
  env: NodeJS.ProcessEnv,
): Promise<{ file: string; value: string } | undefined> {
  if (remote.credential === undefined) return undefined;
  const file = join(env[SECRETS_DIR_ENV] || DEFAULT_SECRETS_DIR, remote.credential);
  const value = await readFile(file, 'utf8').catch(() => undefined);
  if (value === undefined || value.trim() === '') {
    throw new BottleError(
      'SECRET_MISSING',
      `remote "${remote.name}": the gate has no credential in ${file}`,
      {
        hint: 'the launcher writes the identity named in the manifest for the gate at start and resume; stop and resume the bottle',
      },
    );
  }
  return { file, value };
}

/**
 * Prepares credentials for one upstream operation. The SSH key goes to a private temp file
 * that `dispose()` removes; an HTTPS token is read by a credential helper from its file in the
 * secrets folder, so it never appears in an argument list or an environment.
 */
export async function openUpstreamAccess(
  remote: GitRemote,
  context: AccessContext,
): Promise<UpstreamAccess> {
  const env = context.env ?? process.env;
  const endpoint = parseUpstreamUrl(remote.url);
  const credential = await credentialFrom(remote, env);
  const pinnedIp = remote.extra_hosts[endpoint.host];
  const childEnv: Record<string, string> = { GIT_TERMINAL_PROMPT: '0' };
  if (endpoint.kind === 'https') {
    const configArgs: string[] = [];
    if (pinnedIp !== undefined) {
      configArgs.push('-c', `http.curloptResolve=${endpoint.host}:${endpoint.port}:${pinnedIp}`);
    }
    configArgs.push('-c', 'credential.helper=');
    if (credential !== undefined) {
      configArgs.push(
        '-c',
        `credential.helper=!f() { echo username=x-access-token; printf 'password=%s\\n' "$(cat ${shellQuote(credential.file)})"; }; f`,
      );
    }
    return { url: remote.url, configArgs, env: childEnv, dispose: async () => {} };
  }

  const dir = await mkdtemp(join(tmpdir(), 'git-gate-ssh-'));
  try {
    const options = [
      '-F',
      '/dev/null',
      '-o',
      'BatchMode=yes',
      '-o',
      'ConnectTimeout=15',
      '-o',
      'LogLevel=ERROR',
    ];
    if (credential !== undefined) {
      const keyFile = join(dir, 'identity');
      const key = credential.value;
      await writeFile(keyFile, key.endsWith('\n') ? key : `${key}\n`, { mode: 0o600 });
      options.push('-o', 'IdentitiesOnly=yes', '-i', keyFile);
    }
    if (remote.known_hosts !== undefined) {
      const knownHosts = join(dir, 'known_hosts');
      await writeFile(
        knownHosts,
        remote.known_hosts.endsWith('\n') ? remote.known_hosts : `${remote.known_hosts}\n`,
      );
      options.push('-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'StrictHostKeyChecking=yes');
    } else {
      // Trust on first use, per host: the first key seen is recorded and pinned from then on.
      options.push(
        '-o',
        `UserKnownHostsFile=${context.knownHostsFile}`,
        '-o',
        'StrictHostKeyChecking=accept-new',
      );
    }
    options.push('-o', 'GlobalKnownHostsFile=/dev/null');
    if (pinnedIp !== undefined) {
      // Connect to the pinned address but check (and pin) the key under the declared name.
      const alias = endpoint.port === 22 ? endpoint.host : `[${endpoint.host}]:${endpoint.port}`;
      options.push('-o', `HostName=${pinnedIp}`, '-o', `HostKeyAlias=${alias}`);
    }
    childEnv.GIT_SSH_COMMAND = ['ssh', ...options].map(shellQuote).join(' ');
    childEnv.GIT_SSH_VARIANT = 'ssh';
    Object.assign(childEnv, nssWrapperEnv(context.runtimeDir));
    return {
      url: remote.url,
      configArgs: [],
      env: childEnv,
      dispose: () => rm(dir, { recursive: true, force: true }),
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** ssh refuses to run for a uid without a passwd entry; the gate runs as an arbitrary uid. */
function nssWrapperEnv(runtimeDir: string | undefined): Record<string, string> {
  if (runtimeDir === undefined) return {};
  const passwd = runtimeFile(runtimeDir, 'passwd');
  if (!existsSync(passwd)) return {};
  return {
    LD_PRELOAD: 'libnss_wrapper.so',
    NSS_WRAPPER_PASSWD: passwd,
    NSS_WRAPPER_GROUP: runtimeFile(runtimeDir, 'group'),
  };
}

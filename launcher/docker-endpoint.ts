import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { DockerOptions } from 'dockerode';
import { BottleError } from '../lib/errors.js';

// Pieces of the Docker adapter (launcher/docker.ts) that need no engine: where the engine is,
// how its failures read, and the line splitter for log streams.

/** DOCKER_HOST as the docker CLI reads it: unix:// or tcp:// (TLS with DOCKER_TLS_VERIFY). */
export function engineOptions(env: NodeJS.ProcessEnv): {
  options: DockerOptions;
  endpoint: string;
} {
  const host = env.DOCKER_HOST;
  if (!host)
    return {
      options: { socketPath: '/var/run/docker.sock' },
      endpoint: 'unix:///var/run/docker.sock',
    };
  if (host.startsWith('unix://')) return { options: { socketPath: host.slice(7) }, endpoint: host };
  const tcp = /^tcp:\/\/([^:/]+):(\d+)\/?$/.exec(host);
  if (!tcp) {
    throw new BottleError(
      'CONFIG_INVALID',
      `DOCKER_HOST="${host}" is not unix://PATH or tcp://HOST:PORT`,
      {
        hint: 'fix DOCKER_HOST, or unset it to use /var/run/docker.sock',
      },
    );
  }
  const tls = env.DOCKER_TLS_VERIFY === '1';
  const certDir = env.DOCKER_CERT_PATH ?? join(env.HOME ?? '', '.docker');
  return {
    endpoint: host,
    options: {
      host: tcp[1],
      port: Number(tcp[2]),
      protocol: tls ? 'https' : 'http',
      ...(tls
        ? {
            ca: readFileSync(join(certDir, 'ca.pem')),
            cert: readFileSync(join(certDir, 'cert.pem')),
            key: readFileSync(join(certDir, 'key.pem')),
          }
        : {}),
    },
  };
}

/** A vanished or stopped container is not "no engine answers": say which it was. */
export function containerError(endpoint: string, containerId: string, cause: unknown): BottleError {
  const status = (cause as { statusCode?: number }).statusCode;
  if (status === 404)
    return new BottleError('NOT_FOUND', `container ${containerId.slice(0, 12)} no longer exists`, {
      hint: 'the bottle was stopped or removed: `claude-bottle list` shows its state',
      cause,
    });
  if (status === 409)
    return new BottleError('APPLY_FAILED', `container ${containerId.slice(0, 12)} is not running`, {
      hint: '`claude-bottle list` shows its state; `claude-bottle resume <slug>` brings it back',
      cause,
    });
  return unavailable(endpoint, cause);
}

/** A writable that calls onLine for each complete line written to it. */
export function lineSplitter(onLine: (line: string) => void): NodeJS.WritableStream {
  let partial = '';
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      const text = partial + chunk.toString('utf8');
      const lines = text.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) onLine(line);
      done();
    },
  });
}

export function unavailable(endpoint: string, cause: unknown): BottleError {
  return new BottleError('DOCKER_UNAVAILABLE', `no Docker engine answers at ${endpoint}`, {
    hint: 'start Docker Desktop, Colima or dockerd (on Debian as root: `sudo bash .ci/setup-engine.sh` installs and starts one); for a remote engine set DOCKER_HOST',
    cause,
  });
}

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { BottleError } from '../lib/errors.js';

/**
 * The one dockerode adapter: every engine call the launcher and the supervisor make goes
 * through here, so failures map to BottleError in one place and a remote engine (DOCKER_HOST)
 * is one decision.
 */
export interface DockerAdapter {
  readonly engine: Docker;
  /** Where the engine was looked for, for error messages. */
  readonly endpoint: string;
  ping(): Promise<void>;
  serverVersion(): Promise<string>;
  imageExists(tag: string): Promise<boolean>;
}

export function createDocker(env: NodeJS.ProcessEnv): DockerAdapter {
  const { options, endpoint } = engineOptions(env);
  const engine = new Docker(options);
  return {
    engine,
    endpoint,
    async ping() {
      try {
        await engine.ping();
      } catch (error) {
        throw unavailable(endpoint, error);
      }
    },
    async serverVersion() {
      try {
        return (await engine.version()).Version;
      } catch (error) {
        throw unavailable(endpoint, error);
      }
    },
    async imageExists(tag) {
      try {
        await engine.getImage(tag).inspect();
        return true;
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode === 404) return false;
        throw unavailable(endpoint, error);
      }
    },
  };
}

export function unavailable(endpoint: string, cause: unknown): BottleError {
  return new BottleError('DOCKER_UNAVAILABLE', `no Docker engine answers at ${endpoint}`, {
    hint: 'start Docker Desktop, Colima or dockerd (on Debian as root: `sudo bash .ci/setup-engine.sh` installs and starts one); for a remote engine set DOCKER_HOST',
    cause,
  });
}

/** DOCKER_HOST as the docker CLI reads it: unix:// or tcp:// (TLS with DOCKER_TLS_VERIFY). */
function engineOptions(env: NodeJS.ProcessEnv): {
  options: Docker.DockerOptions;
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

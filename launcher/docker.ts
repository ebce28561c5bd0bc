import Docker from 'dockerode';
import { BottleError } from '../lib/errors.js';
import { containerError, engineOptions, lineSplitter, unavailable } from './docker-endpoint.js';

export { unavailable };

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
  /** The engine's own OS and CPU as `docker info` reports them (linux, x86_64 / aarch64). */
  platform(): Promise<{ os: string; arch: string }>;
  imageExists(tag: string): Promise<boolean>;
  /** Builds a context folder into `tag`; each output line goes to onLine. */
  buildImage(build: ImageBuild): Promise<void>;
  /** Containers of one compose project: service name → state (running, exited, …). */
  projectContainers(project: string): Promise<{ service: string; state: string; id: string }[]>;
  removeVolume(name: string): Promise<void>;
  /** Runs a command in a running container; resolves to its exit code. */
  execExitCode(containerId: string, cmd: string[]): Promise<number>;
  /** Sends a signal to one container (SIGHUP: a sidecar re-reads live-config). */
  signalContainer(containerId: string, signal: string): Promise<void>;
  /**
   * Follows a container's stdout and stderr from `since`, one call per line, until stop();
   * resolves once the engine streams, so nothing said after that is missed.
   */
  followLogs(containerId: string, since: Date, onLine: (line: string) => void): Promise<LogFollow>;
  /** The container's state (running, exited, …) and, when it exited, its last log lines. */
  containerStatus(
    containerId: string,
  ): Promise<{ state: string; exitCode: number; logTail: string }>;
}

export interface LogFollow {
  stop(): void;
}

export interface ImageBuild {
  contextDir: string;
  files: string[];
  tag: string;
  buildArgs: Record<string, string>;
  onLine?: (line: string) => void;
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
    async platform() {
      try {
        const info = (await engine.info()) as { OSType?: string; Architecture?: string };
        return { os: info.OSType ?? '', arch: info.Architecture ?? '' };
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
    buildImage: (build) => buildImage(engine, endpoint, build),
    async projectContainers(project) {
      try {
        const list = await engine.listContainers({
          all: true,
          filters: { label: [`com.docker.compose.project=${project}`] },
        });
        return list.map((c) => ({
          service: c.Labels['com.docker.compose.service'] ?? '?',
          state: c.State,
          id: c.Id,
        }));
      } catch (error) {
        throw unavailable(endpoint, error);
      }
    },
    async execExitCode(containerId, cmd) {
      try {
        const exec = await engine
          .getContainer(containerId)
          .exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
        const stream = await exec.start({});
        await new Promise<void>((resolve) => {
          stream.on('end', resolve);
          stream.on('error', () => resolve());
          stream.resume();
        });
        return (await exec.inspect()).ExitCode ?? -1;
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode === 409) return -1; // not running
        throw unavailable(endpoint, error);
      }
    },
    async signalContainer(containerId, signal) {
      try {
        await engine.getContainer(containerId).kill({ signal });
      } catch (error) {
        throw containerError(endpoint, containerId, error);
      }
    },
    async followLogs(containerId, since, onLine) {
      let stream: NodeJS.ReadableStream;
      try {
        stream = await engine.getContainer(containerId).logs({
          follow: true,
          stdout: true,
          stderr: true,
          // Seconds with a fraction, as the docker CLI sends it: sub-second precision.
          since: (since.getTime() / 1000).toFixed(3),
        });
      } catch (error) {
        throw containerError(endpoint, containerId, error);
      }
      const lines = lineSplitter(onLine);
      engine.modem.demuxStream(stream, lines, lines);
      return { stop: () => (stream as NodeJS.ReadableStream & { destroy(): void }).destroy() };
    },
    async containerStatus(containerId) {
      try {
        const container = engine.getContainer(containerId);
        const info = await container.inspect();
        let logTail = '';
        if (!info.State.Running) {
          const logs = await container.logs({ stdout: true, stderr: true, tail: 10 });
          logTail = printable(logs.toString('utf8'));
        }
        return { state: info.State.Status, exitCode: info.State.ExitCode, logTail };
      } catch (error) {
        throw unavailable(endpoint, error);
      }
    },
    async removeVolume(name) {
      try {
        await engine.getVolume(name).remove();
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode !== 404)
          throw unavailable(endpoint, error);
      }
    },
  };
}

/**
 * The engine answers a build with 200 and reports failure inside the stream, so every event
 * is checked for `error` (dockerode's documented gotcha).
 */
async function buildImage(engine: Docker, endpoint: string, build: ImageBuild): Promise<void> {
  let stream: NodeJS.ReadableStream;
  try {
    stream = await engine.buildImage(
      { context: build.contextDir, src: build.files },
      { t: build.tag, buildargs: build.buildArgs, rm: true, forcerm: true },
    );
  } catch (error) {
    throw unavailable(endpoint, error);
  }
  const tail: string[] = [];
  let failure: string | undefined;
  await new Promise<void>((resolve, reject) => {
    engine.modem.followProgress(
      stream,
      (error: Error | null) => (error ? reject(error) : resolve()),
      (event: { stream?: string; error?: string; status?: string }) => {
        if (event.error) failure = event.error;
        const text = event.stream ?? event.status;
        if (!text) return;
        for (const line of text.split('\n')) {
          if (line.trim().length === 0) continue;
          tail.push(line);
          if (tail.length > 15) tail.shift();
          build.onLine?.(line);
        }
      },
    );
  }).catch((error: unknown) => {
    failure ??= error instanceof Error ? error.message : String(error);
  });
  if (failure) {
    throw new BottleError('IMAGE_BUILD_FAILED', `building ${build.tag} failed: ${failure.trim()}`, {
      hint: `the last lines of the build:\n    ${tail.join('\n    ')}`,
    });
  }
}

/** Log bytes as text a terminal can show (the engine may interleave stream headers). */
function printable(text: string): string {
  return Array.from(text)
    .filter((char) => char === '\n' || char === '\t' || char >= ' ')
    .join('');
}

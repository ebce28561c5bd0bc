// Engine-side instruments for the start-up bench: a docker events recorder (the timeline of
// what `docker compose up` and the launcher's ready wait did) and an exec that returns output.
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { execa } from 'execa';

/** Milliseconds since the epoch with sub-ms resolution (same clock as the engine's events). */
export const now = (): number => performance.timeOrigin + performance.now();

export interface EngineEvent {
  /** ms since the epoch, from the engine's timeNano. */
  t: number;
  type: string;
  action: string;
  /** Container or network name. */
  name: string;
  /** Container or network id. */
  id: string;
  attributes: Record<string, string>;
}

export interface EventRecorder {
  events: EngineEvent[];
  /** Called for every event as it arrives. */
  onEvent(listener: (event: EngineEvent) => void): void;
  close(): void;
}

export async function recordEvents(engine: Docker): Promise<EventRecorder> {
  const stream = (await engine.getEvents({
    filters: { type: ['container', 'network'] },
  })) as NodeJS.ReadableStream & { destroy?: () => void };
  const events: EngineEvent[] = [];
  const listeners: ((event: EngineEvent) => void)[] = [];
  let buffer = '';
  stream.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    let newline = buffer.indexOf('\n');
    while (newline !== -1) {
      const line = buffer.slice(0, newline).trim();
      buffer = buffer.slice(newline + 1);
      newline = buffer.indexOf('\n');
      if (!line) continue;
      const raw = JSON.parse(line) as {
        Type: string;
        Action: string;
        timeNano: number;
        Actor?: { ID?: string; Attributes?: Record<string, string> };
      };
      const attributes = raw.Actor?.Attributes ?? {};
      const event: EngineEvent = {
        t: raw.timeNano / 1e6,
        type: raw.Type,
        action: raw.Action,
        name: attributes.name ?? '',
        id: raw.Actor?.ID ?? '',
        attributes,
      };
      events.push(event);
      for (const listener of listeners) listener(event);
    }
  });
  stream.on('error', () => undefined);
  return {
    events,
    onEvent: (listener) => listeners.push(listener),
    close: () => stream.destroy?.(),
  };
}

/** Runs cmd in a container (optionally as a user) and returns its exit code and stdout. */
export async function execOutput(
  engine: Docker,
  containerId: string,
  cmd: string[],
  user?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const exec = await engine
    .getContainer(containerId)
    .exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true, ...(user ? { User: user } : {}) });
  const stream = await exec.start({});
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  err.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  engine.modem.demuxStream(stream, out, err);
  await new Promise<void>((resolve) => {
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', () => resolve());
  });
  const code = (await exec.inspect()).ExitCode ?? -1;
  return { code, stdout, stderr };
}

/** The id of one compose service's container. */
export async function serviceContainer(
  engine: Docker,
  project: string,
  service: string,
): Promise<string> {
  const list = await engine.listContainers({
    all: true,
    filters: {
      label: [`com.docker.compose.project=${project}`, `com.docker.compose.service=${service}`],
    },
  });
  const id = list[0]?.Id;
  if (!id) throw new Error(`no ${service} container in ${project}`);
  return id;
}

/** The engine's and compose's versions, for a section's machine line. */
export async function engineVersions(): Promise<{ engine: string; compose: string }> {
  return {
    engine: (await execa('docker', ['version', '--format', '{{.Server.Version}}'])).stdout,
    compose: (await execa('docker', ['compose', 'version', '--short'])).stdout,
  };
}

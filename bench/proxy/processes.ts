import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A benchmark child process and what it reported when it became ready. */
export interface Started {
  child: ChildProcess;
  pid: number;
  port: number;
  readyMs: number;
}

/** The HTTPS upstream in its own process, so it never shares an event loop with the client. */
export async function startUpstream(caDir: string): Promise<Started> {
  const started = performance.now();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'bench/proxy/upstream-entry.ts'), caDir],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const [line] = (await once(createInterface(child.stdout), 'line')) as [string];
  const { port } = JSON.parse(line) as { port: number };
  return { child, pid: child.pid!, port, readyMs: performance.now() - started };
}

/** The proxy from `bundle`, as the image runs it, in its own process. */
export async function startProxy(dir: string, bundle: string, host: string): Promise<Started> {
  const args = [
    bundle,
    '--routes',
    join(dir, 'routes.yaml'),
    '--ca-dir',
    join(dir, 'bottle'),
    '--listen',
    '127.0.0.1:0',
    '--resolve',
    `${host}=127.0.0.1`,
  ];
  const child = spawn(process.execPath, args, {
    env: {
      PATH: process.env.PATH,
      NODE_EXTRA_CA_CERTS: join(dir, 'up/ca.crt'),
      EGRESS_SECRET_BENCH: 'bench-secret-value-0123456789',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const started = performance.now();
  let text = '';
  child.stderr.setEncoding('utf8');
  for await (const chunk of child.stderr) {
    text += chunk as string;
    const match = /"event":"listening".*?"port":(\d+)/.exec(text);
    if (match) {
      // Keep draining stderr so a chatty proxy can never block on a full pipe.
      child.stderr.resume();
      return {
        child,
        pid: child.pid!,
        port: Number(match[1]),
        readyMs: performance.now() - started,
      };
    }
  }
  throw new Error(`proxy did not start:\n${text}`);
}

export async function stop(started: Started): Promise<void> {
  started.child.kill('SIGTERM');
  if (started.child.exitCode === null) await once(started.child, 'exit');
}

export async function measureStartup(dir: string, bundle: string, host: string): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const proxy = await startProxy(dir, bundle, host);
    times.push(proxy.readyMs);
    await stop(proxy);
  }
  return times;
}

export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024;
}

/** CPU seconds (user + system) a process has used so far. */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../../../images/egress-proxy/main.ts', import.meta.url));

/** The proxy as a real child process, with its stdout decision lines and stderr logs collected. */
export interface ProxyProcess {
  port: number;
  child: ChildProcess;
  decisions: Record<string, unknown>[];
  logs: Record<string, unknown>[];
  /** Raw stdout + stderr, to assert that no secret ever appears. */
  output(): string;
  /** Resolves with the first log line matching `event` after `from` lines. */
  waitForLog(event: string, from?: number): Promise<Record<string, unknown>>;
  stop(): Promise<number | null>;
}

export async function startProxyProcess(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<ProxyProcess> {
  const script = `import { main } from ${JSON.stringify(MAIN)}; process.exitCode = await main(process.argv.slice(1));`;
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', script, '--', ...args],
    {
      env: { PATH: process.env.PATH, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const decisions: Record<string, unknown>[] = [];
  const logs: Record<string, unknown>[] = [];
  let raw = '';
  const waiters: (() => void)[] = [];
  const collect = (stream: NodeJS.ReadableStream, into: Record<string, unknown>[]): void => {
    let buffered = '';
    stream.setEncoding('utf8');
    stream.on('data', (text: string) => {
      raw += text;
      buffered += text;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        try {
          into.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          into.push({ event: 'non-json', line });
        }
      }
      for (const wake of waiters.splice(0)) wake();
    });
  };
  collect(child.stdout, decisions);
  collect(child.stderr, logs);
  const waitForLog = async (event: string, from = 0): Promise<Record<string, unknown>> => {
    for (;;) {
      const found = logs.slice(from).find((line) => line.event === event);
      if (found) return found;
      if (child.exitCode !== null)
        throw new Error(`proxy exited (${child.exitCode}) before "${event}":\n${raw}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        child.once('exit', () => resolve());
      });
    }
  };
  const listening = await waitForLog('listening');
  return {
    port: Number(listening.port),
    child,
    decisions,
    logs,
    output: () => raw,
    waitForLog,
    stop: async () => {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number | null];
      return code;
    },
  };
}

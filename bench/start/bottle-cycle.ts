// One warm start (`start --detach` → the agent's first proxied request) and one `stop`, with the
// CLI run in-process (launcher/cli.ts runCli, as the e2e tests do) and the engine's events as
// the timeline.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { execa } from 'execa';
import { parse } from 'yaml';
import { runCli } from '../../launcher/cli.js';
import { stateLayout } from '../../launcher/state/layout.js';
import { stateDirOf } from '../../lib/home.js';
import type { DockerAdapter } from '../../launcher/docker.js';
import { AGENT, UPSTREAM_HOST, curlCommand, type BenchHome, type Upstream } from './bench-home.js';
import { execOutput, now, type EventRecorder } from './engine.js';
import { containerIdOf, listeningAt, startMarks, type Line } from './marks.js';
import type { AgentService, StartSample, StopSample } from './samples.js';

export interface Cycle {
  start(): Promise<{ sample: StartSample; slug: string }>;
  stop(slug: string): Promise<StopSample>;
  /** Fails unless the upstream received the injected credential (not the agent's). */
  checkCredential(slug: string): Promise<void>;
  /** Takes down every bottle started so far that still has a compose file (clean-up). */
  removeAll(): Promise<void>;
}

export function makeCycle(
  bench: BenchHome,
  docker: DockerAdapter,
  recorder: EventRecorder,
  upstream: Upstream,
): Cycle {
  const engine = docker.engine;
  const slugs: string[] = [];
  const cli = async (argv: string[], lines?: Line[]): Promise<string> => {
    let stdout = '';
    let stderr = '';
    const code = await runCli(argv, {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: {
        write: (text: string) => {
          stderr += text;
          const t = now();
          for (const line of text.split('\n')) if (line) lines?.push({ t, line });
          return true;
        },
      },
      env: bench.env,
      cwd: bench.root,
    });
    if (code !== 0) throw new Error(`claude-bottle ${argv.join(' ')} exited ${code}: ${stderr}`);
    return stdout;
  };
  const agentOf = (slug: string) => containerIdOf(recorder.events, `cb-${slug}`, 'agent');
  const asAgent = (slug: string, cmd: string[]) =>
    execOutput(engine, agentOf(slug), cmd, '1000:1000');

  return {
    async removeAll() {
      for (const slug of slugs) {
        const file = composeFileOf(bench.home, slug);
        if (existsSync(file))
          await execa('docker', ['compose', '-f', file, 'down', '-v', '--timeout', '1'], {
            reject: false,
            env: bench.env,
          });
      }
    },
    async start() {
      const lines: Line[] = [];
      const t0 = now();
      const slug = (await cli(['start', AGENT, '--detach'], lines)).trim();
      const tReturn = now();
      slugs.push(slug);
      const project = `cb-${slug}`;
      await upstream.attached(project);
      let attempts = 0;
      let curl = { code: -1, stdout: '', stderr: '' };
      if (upstream.id) {
        while (attempts < 100) {
          attempts++;
          curl = await asAgent(slug, curlCommand());
          if (curl.stdout.startsWith('200 ')) break;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        if (!curl.stdout.startsWith('200 '))
          throw new Error(`no successful proxied request: ${curl.stdout} ${curl.stderr}`);
      }
      const tFirst = now();
      const second = upstream.id ? await asAgent(slug, curlCommand()) : { stdout: '' };
      const ready = await execOutput(engine, agentOf(slug), [
        'stat',
        '-c',
        '%.6Y',
        '/run/claude-bottle-agent-ready',
      ]);
      const seconds = (text: string) => Number(text.split(' ')[1] ?? NaN) * 1000;
      return {
        slug,
        sample: {
          readyMs: tReturn - t0,
          firstMs: tFirst - t0,
          curlMs: seconds(curl.stdout),
          curl2Ms: seconds(second.stdout),
          attempts,
          warm: !lines.some((l) => /==> building /.test(l.line)),
          builds: lines.flatMap((l) => {
            const built = /built (\S+) in ([\d.]+)s/.exec(l.line);
            return built ? [{ tag: built[1]!, ms: Number(built[2]) * 1000 }] : [];
          }),
          marks: startMarks({
            t0,
            tReturn,
            tFirst,
            lines,
            events: recorder.events,
            project,
            readyFile: Number(ready.stdout.trim()) * 1000,
            proxyListening: await listeningAt(engine, project, 'egress-proxy'),
          }),
        },
      };
    },
    async stop(slug) {
      const project = `cb-${slug}`;
      await upstream.detach(project);
      const t0 = now();
      await cli(['stop', slug]);
      const ms = now() - t0;
      const mine = recorder.events.filter(
        (e) =>
          e.type === 'container' &&
          e.attributes['com.docker.compose.project'] === project &&
          e.t >= t0,
      );
      const service = (e: { attributes: Record<string, string> }) =>
        e.attributes['com.docker.compose.service'] ?? '?';
      await docker.removeVolume(`${project}-workspace`);
      const dieAt: Record<string, number> = {};
      for (const e of mine.filter((e) => e.action === 'die')) dieAt[service(e)] = e.t - t0;
      return {
        ms,
        dieAt,
        killed: mine.filter((e) => e.action === 'kill' && e.attributes.signal === '9').map(service),
      };
    },
    async checkCredential(slug) {
      const check = await asAgent(slug, [
        'curl',
        '-sS',
        '-H',
        'Authorization: Bearer agent-made-this-up',
        `https://${UPSTREAM_HOST}/hello`,
      ]);
      const echoed = JSON.parse(check.stdout) as { authorization_sha256: string | null };
      const expected = createHash('sha256').update(`Bearer ${bench.token}`).digest('hex');
      if (echoed.authorization_sha256 !== expected)
        throw new Error('the request did not reach the upstream with the injected credential');
    },
  };
}

const composeFileOf = (home: string, slug: string): string =>
  stateLayout(stateDirOf(home, slug)).composeFile;

/** The agent service as the launcher rendered it into the bottle's docker-compose.yml. */
export async function agentServiceOf(home: string, slug: string): Promise<AgentService> {
  const compose = parse(await readFile(composeFileOf(home, slug), 'utf8')) as {
    services: { agent: Record<string, unknown> };
  };
  const agent = compose.services.agent;
  return {
    dependsOn: agent.depends_on !== undefined,
    init: agent.init === true,
    stopSignal: typeof agent.stop_signal === 'string' ? agent.stop_signal : undefined,
  };
}

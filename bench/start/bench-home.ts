// The bench's world: a temp CLAUDE_BOTTLE_HOME with a scripted agent (provider none) and a
// bottle with one secret and one route, and a local HTTPS upstream that joins each bottle's
// egress network as api.example.test the moment compose creates it (so it is there for the
// first request without the harness adding a step to the measured path).
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import type Docker from 'dockerode';
import { makeServerCert } from '../../tests/helpers/test-tls.js';
import type { EventRecorder } from './engine.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const AGENT = 'startbench';
export const UPSTREAM_HOST = 'api.example.test';
const UPSTREAM_SCRIPT = join(ROOT, 'tests/fixtures/upstream-server.mjs');

export interface BenchHome {
  root: string;
  home: string;
  env: NodeJS.ProcessEnv;
  /** The secret the proxy injects (the upstream echoes its hash). */
  token: string;
}

export async function makeBenchHome(): Promise<BenchHome> {
  const root = await mkdtemp(join(tmpdir(), 'cb-bench-start-'));
  const home = join(root, 'home');
  const token = `cbbench-${randomBytes(16).toString('hex')}`;
  await mkdir(join(home, 'bottles'), { recursive: true });
  await mkdir(join(home, 'agents'), { recursive: true });
  await writeFile(
    join(home, 'bottles', `${AGENT}.md`),
    `---
agent_provider: none
secrets:
  upstream: env:CB_BENCH_UPSTREAM_TOKEN
egress:
  upstream_ca: test-ca.crt
  routes:
    - host: ${UPSTREAM_HOST}
      methods: [GET]
      auth: { header: Authorization, scheme: Bearer, secret: upstream }
      private: true
---
`,
  );
  await writeFile(
    join(home, 'agents', `${AGENT}.md`),
    `---\nbottle: ${AGENT}\n---\nA scripted agent for the start-up bench.\n`,
  );
  makeServerCert(join(home, 'bottles'), UPSTREAM_HOST);
  const env = { ...process.env, CLAUDE_BOTTLE_HOME: home, CB_BENCH_UPSTREAM_TOKEN: token };
  return { root, home, env, token };
}

/** The agent's request, as the agent uid would make it (status and curl's time_total). */
export function curlCommand(): string[] {
  return [
    'curl',
    '-sS',
    '-o',
    '/dev/null',
    '-w',
    '%{http_code} %{time_total}',
    '-H',
    'Authorization: Bearer agent-made-this-up',
    `https://${UPSTREAM_HOST}/hello`,
  ];
}

/**
 * The upstream's own image (Debian's nodejs on the OS image), apart from the bottle's images so
 * the cold-start rounds can remove those while the upstream keeps serving. Its RUN line differs
 * from the base image's, so the engine's build cache never hands one's layers to the other.
 */
export const UPSTREAM_IMAGE = 'cbbench-upstream:1';

export async function ensureUpstreamImage(): Promise<string> {
  const exists = await execa('docker', ['image', 'inspect', UPSTREAM_IMAGE], { reject: false });
  if (exists.exitCode === 0) return UPSTREAM_IMAGE;
  process.stderr.write(`building ${UPSTREAM_IMAGE} (the bench's HTTPS upstream; once)…\n`);
  await execa('docker', ['build', '-q', '-t', UPSTREAM_IMAGE, '-'], {
    input: [
      'FROM debian:trixie-slim',
      'RUN apt-get update && apt-get install -y --no-install-recommends nodejs \\',
      ' && rm -rf /var/lib/apt/lists/* && echo cbbench-upstream',
      '',
    ].join('\n'),
  });
  return UPSTREAM_IMAGE;
}

export interface Upstream {
  /** undefined until start() ran. */
  readonly id: string | undefined;
  start(image: string): Promise<void>;
  /** Resolves once the upstream is on `<project>-egress` (joined at network creation). */
  attached(project: string): Promise<void>;
  detach(project: string): Promise<void>;
  remove(): Promise<void>;
}

export function makeUpstream(engine: Docker, recorder: EventRecorder, home: string): Upstream {
  let id: string | undefined;
  const connects = new Map<string, Promise<void>>();
  const connect = (network: string): Promise<void> =>
    engine
      .getNetwork(network)
      .connect({ Container: id, EndpointConfig: { Aliases: [UPSTREAM_HOST] } })
      .then(() => undefined);
  recorder.onEvent((event) => {
    if (
      id &&
      event.type === 'network' &&
      event.action === 'create' &&
      new RegExp(`^cb-${AGENT}-[0-9a-f]+-egress$`).test(event.name)
    ) {
      connects.set(event.name, connect(event.name));
    }
  });
  return {
    get id() {
      return id;
    },
    async start(image) {
      const name = `cbbench-upstream-${randomBytes(3).toString('hex')}`;
      const mount = (from: string, to: string) => ['-v', `${from}:${to}:ro`];
      id = (
        await execa('docker', [
          'run',
          '-d',
          '--name',
          name,
          ...mount(UPSTREAM_SCRIPT, '/srv/upstream-server.mjs'),
          ...mount(join(home, 'bottles/server.crt'), '/srv/server.crt'),
          ...mount(join(home, 'bottles/server.key'), '/srv/server.key'),
          image,
          'node',
          '/srv/upstream-server.mjs',
        ])
      ).stdout.trim();
      for (let i = 0; i < 50; i++) {
        if ((await execa('docker', ['logs', id])).stdout.includes('listening')) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error('the bench upstream did not start');
    },
    async attached(project) {
      if (!id) return;
      const network = `${project}-egress`;
      if (!connects.has(network)) connects.set(network, connect(network));
      await connects.get(network);
    },
    async detach(project) {
      if (!id) return;
      const network = `${project}-egress`;
      await engine
        .getNetwork(network)
        .disconnect({ Container: id, Force: true })
        .catch(() => undefined);
      connects.delete(network);
    },
    async remove() {
      if (id) await execa('docker', ['rm', '-f', id], { reject: false });
    },
  };
}

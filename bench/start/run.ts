// `npm run bench:start`: warm start of a bottle (images cached) from `start --detach` to the
// agent's first successful proxied request, and `stop`, beside the engine's floor measured in the
// same run (`docker compose up -d` of the same services with idle commands, and a bare
// `docker run --rm`), rounds interleaved. Results go to the "## Start-up" section of
// docs/benchmarks.md. The CLI runs in-process (launcher/cli.ts runCli, as the e2e tests do).
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { parse, stringify } from 'yaml';
import { createCa } from '../../images/egress-proxy/ca.js';
import { secretEnvName } from '../../images/egress-proxy/routes/schema.js';
import { runCli } from '../../launcher/cli.js';
import { createDocker } from '../../launcher/docker.js';
import { recipeHash } from '../../launcher/images/context.js';
import { providerPackageDir } from '../../launcher/images/provider.js';
import { agentRecipe, baseRecipe, sidecarRecipe } from '../../launcher/images/recipes.js';
import { loadManifests } from '../../launcher/manifest/index.js';
import { makeServerCert } from '../../tests/helpers/test-tls.js';
import { execOutput, now, recordEvents, type EngineEvent } from './engine.js';
import {
  entrypointProfile,
  median,
  type EntrypointStep,
  type Micro,
  type RoundSample,
  type StartSample,
  type StopSample,
  type WhatIfSample,
  writeStartSection,
} from './report.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ROUNDS = Number(process.env.CB_BENCH_START_ROUNDS ?? 5);
const AGENT = 'startbench';
const UPSTREAM_HOST = 'api.example.test';
const TOKEN = `cbbench-${randomBytes(16).toString('hex')}`;
const BOTTLE = `---
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
`;
const UPSTREAM_SCRIPT = join(ROOT, 'tests/fixtures/upstream-server.mjs');
const IDLE = ['sh', '-c', 'trap "exit 0" TERM; sleep infinity & wait'];

interface Line {
  t: number;
  line: string;
}

async function main(): Promise<void> {
  const benchStarted = now();
  const loadBefore = loadavg()[0]!;
  const root = await mkdtemp(join(tmpdir(), 'cb-bench-start-'));
  const home = join(root, 'home');
  await mkdir(join(home, 'bottles'), { recursive: true });
  await mkdir(join(home, 'agents'), { recursive: true });
  await writeFile(join(home, 'bottles', `${AGENT}.md`), BOTTLE);
  await writeFile(
    join(home, 'agents', `${AGENT}.md`),
    `---\nbottle: ${AGENT}\n---\nA scripted agent for the start-up bench.\n`,
  );
  makeServerCert(join(home, 'bottles'), UPSTREAM_HOST);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CLAUDE_BOTTLE_HOME: home,
    CB_BENCH_UPSTREAM_TOKEN: TOKEN,
  };
  const docker = createDocker(env);
  const engine = docker.engine;
  const recorder = await recordEvents(engine);
  const floorFile = join(root, 'floor-compose.yml');
  const floorFlatFile = join(root, 'floor-flat-compose.yml');
  const entrypointFile = join(root, 'entrypoint-proposed.sh');
  const floorProject = `cbbench-floor-${randomBytes(3).toString('hex')}`;
  const slugs: string[] = [];
  let upstreamId: string | undefined;
  const connects = new Map<string, Promise<void>>();
  // The upstream joins each bottle's egress network the moment compose creates it, so it is
  // there for the first request without the harness adding a step to the measured path.
  recorder.onEvent((event) => {
    if (
      upstreamId &&
      event.type === 'network' &&
      event.action === 'create' &&
      new RegExp(`^cb-${AGENT}-[0-9a-f]+-egress$`).test(event.name)
    ) {
      connects.set(event.name, connectUpstream(event.name));
    }
  });
  const connectUpstream = (network: string): Promise<void> =>
    engine
      .getNetwork(network)
      .connect({ Container: upstreamId, EndpointConfig: { Aliases: [UPSTREAM_HOST] } })
      .then(() => undefined);

  const cli = async (argv: string[], lines?: Line[]) => {
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
      env,
      cwd: root,
    });
    if (code !== 0) throw new Error(`claude-bottle ${argv.join(' ')} exited ${code}: ${stderr}`);
    return stdout;
  };

  /** One warm start: start --detach, then the agent's first proxied request. */
  const startOnce = async (): Promise<{ sample: StartSample; slug: string }> => {
    const lines: Line[] = [];
    const t0 = now();
    const slug = (await cli(['start', AGENT, '--detach'], lines)).trim();
    const tReturn = now();
    slugs.push(slug);
    const project = `cb-${slug}`;
    const agentId = containerIdOf(recorder.events, project, 'agent');
    const network = `${project}-egress`;
    if (upstreamId) {
      if (!connects.has(network)) connects.set(network, connectUpstream(network));
      await connects.get(network);
    }
    let attempts = 0;
    let curl = { code: -1, stdout: '', stderr: '' };
    if (upstreamId) {
      for (; attempts < 100;) {
        attempts++;
        curl = await execOutput(engine, agentId, curlCommand(), '1000:1000');
        if (curl.stdout.startsWith('200 ')) break;
        await sleep(20);
      }
      if (!curl.stdout.startsWith('200 '))
        throw new Error(`no successful proxied request: ${curl.stdout} ${curl.stderr}`);
    }
    const tFirst = now();
    const second = upstreamId
      ? await execOutput(engine, agentId, curlCommand(), '1000:1000')
      : { stdout: '' };
    const ready = await execOutput(engine, agentId, [
      'stat',
      '-c',
      '%.6Y',
      '/run/claude-bottle-agent-ready',
    ]);
    const proxyListening = await listeningAt(engine, project, 'egress-proxy');
    return {
      slug,
      sample: {
        readyMs: tReturn - t0,
        firstMs: tFirst - t0,
        curlMs: Number(curl.stdout.split(' ')[1] ?? NaN) * 1000,
        curl2Ms: Number(second.stdout.split(' ')[1] ?? NaN) * 1000,
        attempts,
        warm: !lines.some((l) => /==> building /.test(l.line)),
        marks: startMarks({
          t0,
          tReturn,
          tFirst,
          lines,
          events: recorder.events,
          project,
          readyFile: Number(ready.stdout.trim()) * 1000,
          proxyListening,
        }),
      },
    };
  };

  const stopOnce = async (slug: string): Promise<StopSample> => {
    const project = `cb-${slug}`;
    if (upstreamId) {
      await engine
        .getNetwork(`${project}-egress`)
        .disconnect({ Container: upstreamId, Force: true })
        .catch(() => undefined);
      connects.delete(`${project}-egress`);
    }
    const t0 = now();
    await cli(['stop', slug]);
    const ms = now() - t0;
    const die = recorder.events.filter(
      (e) =>
        e.type === 'container' &&
        e.action === 'die' &&
        e.attributes['com.docker.compose.project'] === project &&
        e.t >= t0,
    );
    const kills = recorder.events.filter(
      (e) =>
        e.type === 'container' &&
        e.action === 'kill' &&
        e.attributes['com.docker.compose.project'] === project &&
        e.t >= t0,
    );
    await docker.removeVolume(`${project}-workspace`);
    const dieAt: Record<string, number> = {};
    for (const e of die) dieAt[e.attributes['com.docker.compose.service'] ?? '?'] = e.t - t0;
    return {
      ms,
      dieAt,
      killed: kills
        .filter((e) => e.attributes.signal === '9')
        .map((e) => e.attributes['com.docker.compose.service'] ?? '?'),
    };
  };

  /**
   * What-if (not the launcher): `docker compose up` of a stopped bottle's own compose file, as
   * the launcher wrote it or with the proposed changes, then ready file → first request → down.
   * The same blocking ready wait is used for both, so the difference is the compose file and
   * the entrypoint only.
   */
  const composeEnv = { ...env, [secretEnvName('upstream')]: TOKEN };
  const whatIf = async (slug: string, proposed: boolean): Promise<WhatIfSample> => {
    const project = `cb-${slug}`;
    let file = join(home, 'state', slug, 'docker-compose.yml');
    if (proposed) {
      const compose = parse(await readFile(file, 'utf8')) as {
        services: Record<string, Record<string, unknown>>;
      };
      const agent = compose.services.agent!;
      delete agent.depends_on;
      agent.stop_signal = 'SIGHUP';
      agent.volumes = [
        ...(agent.volumes as string[]),
        `${entrypointFile}:/opt/claude-bottle/entrypoint.sh:ro`,
      ];
      file = join(root, `whatif-${slug}.yml`);
      await writeFile(file, stringify(compose));
    }
    const t0 = now();
    await execa('docker', ['compose', '-f', file, 'up', '-d', '--no-build', '--pull', 'never'], {
      env: composeEnv,
    });
    const tUp = now();
    const agentId = containerIdOf(recorder.events, project, 'agent');
    await execOutput(engine, agentId, [
      'sh',
      '-c',
      'while [ ! -f /run/claude-bottle-agent-ready ]; do sleep 0.01; done',
    ]);
    const tReady = now();
    await connects.get(`${project}-egress`);
    let curl = { stdout: '' };
    for (let i = 0; i < 100 && !curl.stdout.startsWith('200 '); i++)
      curl = await execOutput(engine, agentId, curlCommand(), '1000:1000');
    const tFirst = now();
    const proxyListening = await listeningAt(engine, project, 'egress-proxy');
    await engine
      .getNetwork(`${project}-egress`)
      .disconnect({ Container: upstreamId, Force: true })
      .catch(() => undefined);
    connects.delete(`${project}-egress`);
    const t1 = now();
    await execa('docker', ['compose', '-f', file, 'down', '--timeout', '5'], { env: composeEnv });
    const down = now() - t1;
    await docker.removeVolume(`${project}-workspace`);
    return {
      upMs: tUp - t0,
      proxyListeningMs: (proxyListening ?? NaN) - t0,
      readyMs: tReady - t0,
      firstMs: tFirst - t0,
      downMs: down,
    };
  };

  const timed = async (file: string, args: string[]): Promise<number> => {
    const t0 = now();
    await execa(file, args, { env });
    return now() - t0;
  };

  try {
    // Warm-up (not counted): builds any image whose content hash is new, checks the whole path.
    process.stderr.write('warm-up: start (builds images if their hash is new)…\n');
    const warm = await startOnce();
    const metadata = JSON.parse(
      await readFile(join(home, 'state', warm.slug, 'metadata.json'), 'utf8'),
    ) as { images: { base: string; agent: string; egressProxy: string; supervise: string } };
    const images = metadata.images;
    upstreamId = (
      await execa('docker', [
        'run',
        '-d',
        '--name',
        `cbbench-upstream-${randomBytes(3).toString('hex')}`,
        '-v',
        `${UPSTREAM_SCRIPT}:/srv/upstream-server.mjs:ro`,
        '-v',
        `${join(home, 'bottles/server.crt')}:/srv/server.crt:ro`,
        '-v',
        `${join(home, 'bottles/server.key')}:/srv/server.key:ro`,
        images.base,
        'node',
        '/srv/upstream-server.mjs',
      ])
    ).stdout.trim();
    for (let i = 0; i < 50; i++) {
      const logs = await execa('docker', ['logs', upstreamId]);
      if (logs.stdout.includes('listening')) break;
      await sleep(100);
    }
    await connectUpstream(`cb-${warm.slug}-egress`);
    const check = await execOutput(
      engine,
      containerIdOf(recorder.events, `cb-${warm.slug}`, 'agent'),
      [
        'curl',
        '-sS',
        '-H',
        'Authorization: Bearer agent-made-this-up',
        `https://${UPSTREAM_HOST}/hello`,
      ],
      '1000:1000',
    );
    const echoed = JSON.parse(check.stdout) as { authorization_sha256: string | null };
    if (
      echoed.authorization_sha256 !== createHash('sha256').update(`Bearer ${TOKEN}`).digest('hex')
    )
      throw new Error(
        'the warm-up request did not reach the upstream with the injected credential',
      );
    await stopOnce(warm.slug);

    await writeFile(floorFile, floorCompose(floorProject, images, true));
    await writeFile(floorFlatFile, floorCompose(`${floorProject}-flat`, images, false));
    const entrypoint0 = await readFile(join(ROOT, 'images/agent/entrypoint.sh'), 'utf8');
    const slowCa = '  update-ca-certificates >/dev/null 2>&1\n';
    const whatIfPossible = entrypoint0.includes(slowCa);
    await writeFile(entrypointFile, entrypoint0.replace(slowCa, FAST_CA));
    await chmod(entrypointFile, 0o755);
    const floorUp = ['compose', '-f', floorFile, 'up', '-d'];
    const floorDown = ['compose', '-f', floorFile, 'down', '--timeout', '5'];
    const floorFlatUp = ['compose', '-f', floorFlatFile, 'up', '-d'];
    const floorFlatDown = ['compose', '-f', floorFlatFile, 'down', '--timeout', '5'];
    const bare = ['run', '--rm', images.base, 'true'];
    await timed('docker', floorUp);
    await timed('docker', floorDown);
    await timed('docker', bare);

    const rounds: RoundSample[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const sample: Partial<RoundSample> = {};
      const steps: (() => Promise<void>)[] = [
        async () => {
          const started = await startOnce();
          sample.start = started.sample;
          sample.stop = await stopOnce(started.slug);
          if (whatIfPossible) {
            const pair = [false, true];
            if (round % 2 === 0) pair.reverse();
            for (const proposed of pair) {
              const result = await whatIf(started.slug, proposed);
              if (proposed) sample.whatIfProposed = result;
              else sample.whatIfAsIs = result;
            }
          }
        },
        async () => {
          sample.floorUp = await timed('docker', floorUp);
          sample.floorDown = await timed('docker', floorDown);
          sample.floorFlatUp = await timed('docker', floorFlatUp);
          await timed('docker', floorFlatDown);
        },
        async () => {
          sample.bare = await timed('docker', bare);
        },
      ];
      // Interleaved, and the order flips each round so drift does not favour one side.
      for (const step of round % 2 === 1 ? steps : [...steps].reverse()) await step();
      rounds.push(sample as RoundSample);
      process.stderr.write(
        `round ${round}/${ROUNDS}: start→ready ${ms(sample.start!.readyMs)}, →first request ${ms(sample.start!.firstMs)}, stop ${ms(sample.stop!.ms)}, floor up ${ms(sample.floorUp!)} / down ${ms(sample.floorDown!)} / no depends_on ${ms(sample.floorFlatUp!)}, bare run ${ms(sample.bare!)}${sample.whatIfAsIs && sample.whatIfProposed ? `, what-if up→first request as-is ${ms(sample.whatIfAsIs.firstMs)} / proposed ${ms(sample.whatIfProposed.firstMs)}` : ''}\n`,
      );
    }

    process.stderr.write('micro-profile…\n');
    const micro = await microProfile(env, home, images, docker.imageExists.bind(docker));
    const entrypoint = await entrypointSteps(images.agent, root);
    const versions = {
      engine: (await execa('docker', ['version', '--format', '{{.Server.Version}}'])).stdout,
      compose: (await execa('docker', ['compose', 'version', '--short'])).stdout,
    };
    await writeStartSection(join(ROOT, 'docs/benchmarks.md'), {
      rounds,
      micro,
      entrypoint,
      versions,
      machine: `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, Node ${process.version}, 1-min load average ${loadBefore.toFixed(2)} before / ${loadavg()[0]!.toFixed(2)} after (the engine and cores are shared with whatever else runs)`,
      benchSeconds: (now() - benchStarted) / 1000,
    });
  } finally {
    recorder.close();
    if (upstreamId) await execa('docker', ['rm', '-f', upstreamId], { reject: false });
    for (const slug of slugs) {
      const file = join(home, 'state', slug, 'docker-compose.yml');
      if (existsSync(file))
        await execa('docker', ['compose', '-f', file, 'down', '-v', '--timeout', '1'], {
          reject: false,
          env,
        });
    }
    for (const file of [floorFile, floorFlatFile])
      if (existsSync(file))
        await execa('docker', ['compose', '-f', file, 'down', '-v', '--timeout', '1'], {
          reject: false,
        });
    await rm(root, { recursive: true, force: true });
  }
}

/** The same services, images and networks as the bottle, each running an idle command. */
function floorCompose(
  project: string,
  images: { agent: string; egressProxy: string; supervise: string },
  dependsOn: boolean,
): string {
  return stringify({
    name: project,
    services: {
      'egress-proxy': {
        image: images.egressProxy,
        entrypoint: IDLE,
        networks: ['internal', 'egress'],
      },
      supervise: { image: images.supervise, entrypoint: IDLE, networks: ['internal'] },
      agent: {
        image: images.agent,
        entrypoint: IDLE,
        networks: ['internal'],
        ...(dependsOn ? { depends_on: ['egress-proxy', 'supervise'] } : {}),
      },
    },
    networks: {
      internal: { name: `${project}-internal`, internal: true },
      egress: { name: `${project}-egress` },
    },
  });
}

function containerIdOf(events: EngineEvent[], project: string, service: string): string {
  const event = events
    .filter(
      (e: EngineEvent) =>
        e.type === 'container' &&
        e.action === 'start' &&
        e.attributes['com.docker.compose.project'] === project &&
        e.attributes['com.docker.compose.service'] === service,
    )
    .at(-1);
  if (!event) throw new Error(`no ${service} container started in ${project}`);
  return event.id;
}

/** When a sidecar logged "listening" (its own timestamp), ms since the epoch. */
async function listeningAt(
  engine: ReturnType<typeof createDocker>['engine'],
  project: string,
  service: string,
): Promise<number | undefined> {
  const list = await engine.listContainers({
    filters: {
      label: [`com.docker.compose.project=${project}`, `com.docker.compose.service=${service}`],
    },
  });
  if (!list[0]) return undefined;
  const logs = (
    await engine.getContainer(list[0].Id).logs({ stdout: true, stderr: true })
  ).toString('utf8');
  const match = /"ts":"([^"]+)"[^\n]*"event":"listening"/.exec(logs);
  return match ? Date.parse(match[1]!) : undefined;
}

/** Sequential marks on one start's timeline (ms since the invocation). */
function startMarks(input: {
  t0: number;
  tReturn: number;
  tFirst: number;
  lines: Line[];
  events: EngineEvent[];
  project: string;
  readyFile: number;
  proxyListening: number | undefined;
}): Record<string, number> {
  const { t0, lines, project } = input;
  const at = (pattern: RegExp): number => {
    const found = lines.find((l) => pattern.test(l.line));
    return found ? found.t - t0 : NaN;
  };
  const mine = input.events.filter(
    (e) =>
      e.t >= t0 &&
      e.t <= input.tReturn + 1000 &&
      (e.attributes['com.docker.compose.project'] === project ||
        (e.type === 'network' && e.name.startsWith(`${project}-`))),
  );
  const first = (filter: (e: EngineEvent) => boolean): number => {
    const found = mine.find(filter);
    return found ? found.t - t0 : NaN;
  };
  const service = (e: EngineEvent) => e.attributes['com.docker.compose.service'];
  const pollExecs = mine.filter(
    (e) => e.type === 'container' && e.action.startsWith('exec_die') && service(e) === 'agent',
  );
  const lastPoll = pollExecs.filter((e) => e.t <= input.tReturn).at(-1);
  return {
    state: at(/^==> state:/),
    imageBase: at(/^==> image claude-bottle\/base:/),
    imageAgent: at(/^==> image claude-bottle\/agent:/),
    imageEgressProxy: at(/^==> image claude-bottle\/egress-proxy:/),
    imageSupervise: at(/^==> image claude-bottle\/supervise:/),
    composeUpInvoked: at(/^==> starting /),
    firstNetworkCreated: first((e) => e.type === 'network' && e.action === 'create'),
    firstContainerCreated: first((e) => e.type === 'container' && e.action === 'create'),
    proxyStarted: first(
      (e) => e.type === 'container' && e.action === 'start' && service(e) === 'egress-proxy',
    ),
    superviseStarted: first(
      (e) => e.type === 'container' && e.action === 'start' && service(e) === 'supervise',
    ),
    agentStarted: first(
      (e) => e.type === 'container' && e.action === 'start' && service(e) === 'agent',
    ),
    proxyListening: input.proxyListening === undefined ? NaN : input.proxyListening - t0,
    readyFile: input.readyFile - t0,
    firstPoll: first(
      (e) => e.type === 'container' && e.action.startsWith('exec_create') && service(e) === 'agent',
    ),
    polls: pollExecs.filter((e) => e.t <= input.tReturn).length,
    lastPollDone: lastPoll ? lastPoll.t - t0 : NaN,
    returned: input.tReturn - t0,
    firstRequest: input.tFirst - t0,
  };
}

/** The pieces of the launcher's own work, each timed alone in this process. */
async function microProfile(
  env: NodeJS.ProcessEnv,
  home: string,
  images: { base: string; agent: string; egressProxy: string; supervise: string },
  imageExists: (tag: string) => Promise<boolean>,
): Promise<Micro> {
  const repeat = async (n: number, fn: () => Promise<unknown>): Promise<number> => {
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = now();
      await fn();
      times.push(now() - t0);
    }
    return median(times);
  };
  const dir = await mkdtemp(join(tmpdir(), 'cb-bench-ca-'));
  try {
    const caMs = await repeat(5, async () => {
      await rm(dir, { recursive: true, force: true });
      await createCa(dir);
    });
    const recipes = [
      baseRecipe(),
      agentRecipe('none', images.base, await providerPackageDir('none', home, env)),
      sidecarRecipe('egress-proxy', images.base),
      sidecarRecipe('supervise', images.base),
    ];
    const hashMs = await repeat(5, () => Promise.all(recipes.map((r) => recipeHash(r))));
    const hashSerialMs = await repeat(5, async () => {
      for (const r of recipes) await recipeHash(r);
    });
    const existsMs = await repeat(5, async () => {
      for (const tag of Object.values(images)) await imageExists(tag);
    });
    const manifestMs = await repeat(5, () => loadManifests({ home, cwd: home }));
    const composeCliMs = await repeat(3, () =>
      execa('docker', ['compose', 'version', '--short'], { env }),
    );
    const dockerCliMs = await repeat(3, () => execa('docker', ['version'], { env }));
    const bin = join(ROOT, 'dist/launcher/cli.js');
    const cliProcessMs = existsSync(bin)
      ? await repeat(3, () => execa('node', [join(ROOT, 'bin/claude-bottle.js'), '--version']))
      : undefined;
    const nodeMs = await repeat(3, () => execa('node', ['-e', '0']));
    return {
      nodeMs,
      caMs,
      hashMs,
      hashSerialMs,
      existsMs,
      manifestMs,
      composeCliMs,
      dockerCliMs,
      cliProcessMs,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The agent entrypoint alone, traced with a timestamp per command: the same image,
 * capabilities and CA mount as in a bottle, on the default bridge, without HTTP_PROXY (so the
 * proxy wait is not in it: that is measured in the bottle as proxy start → listening).
 */
async function entrypointSteps(agentImage: string, root: string): Promise<EntrypointStep[]> {
  const ca = join(root, 'entrypoint-ca');
  await createCa(ca);
  const result = await execa(
    'docker',
    [
      'run',
      '--rm',
      '--cap-drop',
      'ALL',
      ...['NET_ADMIN', 'CHOWN', 'SETUID', 'SETGID', 'SETPCAP'].flatMap((c) => ['--cap-add', c]),
      '--security-opt',
      'no-new-privileges:true',
      '-e',
      'AGENT_UID=1000',
      '-e',
      'AGENT_GID=1000',
      '-v',
      `${join(ca, 'ca.crt')}:/etc/claude-bottle/ca.crt:ro`,
      '--entrypoint',
      'bash',
      agentImage,
      '-c',
      'PS4="+ \\$EPOCHREALTIME "; set -x; . /opt/claude-bottle/entrypoint.sh true',
    ],
    { reject: false },
  );
  return entrypointProfile(result.stderr);
}

/** The proposed CA step: append to the bundle and add a hash link (what update-ca-certificates
 * ends up doing, without rehashing every certificate in /etc/ssl/certs). */
const FAST_CA = [
  '  cat /etc/claude-bottle/ca.crt >> /etc/ssl/certs/ca-certificates.crt',
  '  ln -sf /usr/local/share/ca-certificates/claude-bottle.crt "/etc/ssl/certs/$(openssl x509 -hash -noout -in /etc/claude-bottle/ca.crt).0"',
  '',
].join('\n');

function curlCommand(): string[] {
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

function ms(value: number): string {
  return `${Math.round(value)} ms`;
}

function sleep(msToWait: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, msToWait));
}

await main();

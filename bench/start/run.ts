// `npm run bench:start`: warm start of a bottle (images cached) from `start --detach` to the
// agent's first successful proxied request, and `stop`, cold starts (images built), beside the engine's floor measured in the
// same run, rounds interleaved. Results go to the "## Start-up" section of docs/benchmarks.md.
//
//   bench-home.ts      temp CLAUDE_BOTTLE_HOME, the scripted agent's bottle, the HTTPS upstream
//   bottle-cycle.ts    one start → first request, one stop (CLI in-process)
//   floor.ts           `docker compose up -d` of idle services, bare `docker run`
//   marks.ts           one start's timeline and its phases
//   cold.ts            starts with the bottle's images (and then the base) removed
//   micro-profile.ts   launcher pieces and the CLI process timed alone
//   entrypoint-trace.ts  the agent entrypoint traced per command
//   findings.ts        applied changes and proposals, decided by the measurements
//   report.ts          the Markdown section; stats.ts, samples.ts, engine.ts: helpers
import { readFile, rm } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { createDocker } from '../../launcher/docker.js';
import { ROOT, ensureUpstreamImage, makeBenchHome, makeUpstream } from './bench-home.js';
import { coldStarts } from './cold.js';
import { agentServiceOf, makeCycle } from './bottle-cycle.js';
import { engineVersions, now, recordEvents } from './engine.js';
import { traceEntrypoint } from './entrypoint-trace.js';
import { makeFloor, type Floor, type FloorImages } from './floor.js';
import { microProfile } from './micro-profile.js';
import { writeStartSection } from './report.js';
import type { RoundSample } from './samples.js';

const ROUNDS = Number(process.env.CB_BENCH_START_ROUNDS ?? 5);

async function main(): Promise<void> {
  const benchStarted = now();
  const loadBefore = loadavg()[0]!;
  const bench = await makeBenchHome();
  const docker = createDocker(bench.env);
  const recorder = await recordEvents(docker.engine);
  const upstream = makeUpstream(docker.engine, recorder, bench.home);
  const cycle = makeCycle(bench, docker, recorder, upstream);
  let floor: Floor | undefined;
  try {
    await upstream.start(await ensureUpstreamImage());
    // Warm-up (not counted): builds any image whose content hash is new, checks the whole path.
    process.stderr.write('warm-up: start (builds images if their hash is new)…\n');
    const warm = await cycle.start();
    const images = (
      JSON.parse(await readFile(join(bench.home, 'state', warm.slug, 'metadata.json'), 'utf8')) as {
        images: FloorImages;
      }
    ).images;
    const agentService = await agentServiceOf(bench.home, warm.slug);
    await cycle.checkCredential(warm.slug);
    await cycle.stop(warm.slug);
    const cold = process.env.CB_BENCH_START_COLD === '0' ? [] : await coldStarts(cycle, images);

    floor = await makeFloor(bench.root, images);
    await floor.up();
    await floor.down();
    await floor.bare();

    const rounds: RoundSample[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const sample: Partial<RoundSample> = {};
      const f = floor;
      const steps: (() => Promise<void>)[] = [
        async () => {
          const started = await cycle.start();
          sample.start = started.sample;
          sample.stop = await cycle.stop(started.slug);
        },
        async () => {
          sample.floorUp = await f.up();
          sample.floorDown = await f.down();
          sample.floorFlatUp = await f.flatUp();
          await f.flatDown();
        },
        async () => {
          sample.bare = await f.bare();
        },
      ];
      // Interleaved, and the order flips each round so drift does not favour one side.
      for (const step of round % 2 === 1 ? steps : [...steps].reverse()) await step();
      const done = sample as RoundSample;
      rounds.push(done);
      const m = done.start.marks;
      process.stderr.write(
        `round ${round}/${ROUNDS}: start→ready ${ms(done.start.readyMs)}, →first request ${ms(done.start.firstMs)} (proxy listening→ready file ${ms((m.readyFile ?? NaN) - (m.proxyListening ?? NaN))}), stop ${ms(done.stop.ms)}, floor up ${ms(done.floorUp)} / without depends_on ${ms(done.floorFlatUp)} / down ${ms(done.floorDown)}, bare run ${ms(done.bare)}\n`,
      );
    }

    process.stderr.write('micro-profile…\n');
    const micro = await microProfile(
      bench.env,
      bench.home,
      images,
      docker.imageExists.bind(docker),
    );
    const entrypoint = await traceEntrypoint(images.agent, bench.root);
    const versions = await engineVersions();
    await writeStartSection(join(ROOT, 'docs/benchmarks.md'), {
      rounds,
      cold,
      micro,
      entrypoint,
      agentService,
      versions,
      machine: `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, Node ${process.version}, 1-min load average ${loadBefore.toFixed(2)} before / ${loadavg()[0]!.toFixed(2)} after (the engine and cores are shared with whatever else runs)`,
      benchSeconds: (now() - benchStarted) / 1000,
    });
  } finally {
    recorder.close();
    await upstream.remove();
    await cycle.removeAll();
    await floor?.remove();
    await rm(bench.root, { recursive: true, force: true });
  }
}

function ms(value: number): string {
  return Number.isFinite(value) ? `${Math.round(value)} ms` : '–';
}

await main();

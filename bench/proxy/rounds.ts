import { randomBytes } from 'node:crypto';
import { ROUNDS, type Contender, type Results } from './contenders.js';
import { latencies, median, percentile, throughput, timedRequest, uploadRate } from './harness.js';
import { cpuSeconds } from './processes.js';
import { ssePath, sseStream } from './sse.js';

const FIVE_MIB = 5 * 1024 * 1024;

/** The two 5 MiB POST bodies: English text, and one base64 run of random bytes (no secret). */
export const BODIES = {
  text: Buffer.alloc(FIVE_MIB, 'The quick brown fox jumps over the lazy dog. '),
  // 3 bytes → 4 characters: exactly 5 MiB of base64, one line, the worst case for a scanner.
  base64: Buffer.from(randomBytes((FIVE_MIB / 4) * 3).toString('base64')),
};

/**
 * The timed rounds: interleaved, each round starting with a different contender, every
 * contender warmed before round 1. `target` names the URL a contender's client asks for.
 */
export async function runRounds(
  contenders: Contender[],
  target: (contender: Contender, path: string) => URL,
  upstreamPid: number,
): Promise<Results> {
  const results: Results = new Map();
  for (let round = 1; round <= ROUNDS; round++) {
    const order = contenders.map((_, i) => contenders[(i + round - 1) % contenders.length]!);
    for (const contender of order) {
      const byKey = results.get(contender.name) ?? {};
      results.set(contender.name, byKey);
      const add = (key: string, ...values: number[]): void => {
        (byKey[key] ??= []).push(...values);
      };
      await oneRound(contender, (path) => target(contender, path), upstreamPid, round, add);
      process.stderr.write(`round ${round} ${contender.name} done\n`);
    }
  }
  return results;
}

async function oneRound(
  { route, counts, process: proxy }: Contender,
  url: (path: string) => URL,
  upstreamPid: number,
  round: number,
  add: (key: string, ...values: number[]) => void,
): Promise<void> {
  const agent = route.agent(true);
  if (round === 1) {
    await latencies(agent, url('/1k'), counts.warmSequential);
    await throughput(agent, url('/1k'), 32, counts.warmRpsMs);
    await uploadRate(agent, url('/upload'), BODIES.text, counts.warmUploads, counts.uploadMs);
    await uploadRate(agent, url('/upload'), BODIES.base64, counts.warmUploads, counts.uploadMs);
    await sseStream(agent, url(ssePath));
  }
  const lat = await latencies(agent, url('/1k'), counts.latency);
  add('p50', median(lat));
  add('p99', percentile(lat, 99));
  // Before the req/s run and the uploads: their garbage (5 MiB bodies) makes the next few ms
  // of every party, direct included, noisy.
  for (let i = 0; i < counts.sse; i++) {
    const { first, transit } = await sseStream(agent, url(ssePath));
    add('sseFirst', first);
    add('sseTransit', ...transit);
  }

  // CPU of each party during the req/s run: the proxy with its workers, the upstream, the client.
  const parties = [
    (): number => (proxy ? cpuSeconds(proxy.pid, true) : NaN),
    (): number => cpuSeconds(upstreamPid),
    (): number => cpuSeconds(process.pid),
  ];
  const cpuBefore = parties.map((used) => used());
  const rpsStarted = performance.now();
  add('rps32', await throughput(agent, url('/1k'), 32, counts.rpsMs));
  const seconds = (performance.now() - rpsStarted) / 1000;
  parties.forEach((used, i) => {
    if (i > 0 || proxy) add(`cpu32-${i}`, (used() - cpuBefore[i]!) / seconds);
  });

  for (const [key, body] of [
    ['mibps', BODIES.text],
    ['mibps64', BODIES.base64],
  ] as const) {
    add(key, await uploadRate(agent, url('/upload'), body, counts.uploads, counts.uploadMs));
  }
  agent.destroy();

  const fresh: number[] = [];
  const freshStarted = performance.now();
  for (let i = 0; i < counts.fresh && performance.now() - freshStarted < counts.freshMs; i++) {
    const once = route.agent(false);
    fresh.push(await timedRequest(once, url('/1k')));
    once.destroy();
  }
  add('newconn', median(fresh));
}

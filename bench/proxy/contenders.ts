import type { Route } from './harness.js';
import type { Started } from './processes.js';

export const ROUNDS = 3;

/** How much each contender is asked per round (and once, before round 1, to warm up). */
export interface Counts {
  warmSequential: number;
  warmRpsMs: number;
  warmUploads: number;
  latency: number;
  rpsMs: number;
  uploads: number;
  fresh: number;
}

export const FULL: Counts = {
  // Sequential requests before anything is timed. With 200 the proxy was still running
  // unoptimised (baseline-tier) code: a warmed proxy adds ~0.17 ms at p50, a cold one ~1.3 ms.
  warmSequential: 3000,
  warmRpsMs: 1000,
  warmUploads: 5,
  latency: 1500,
  rpsMs: 4000,
  uploads: 30,
  fresh: 150,
};

// mitmproxy is ~10× slower per request and CPython has no JIT to warm: fewer requests keep the
// whole bench within a few minutes. The req/s run is time-bound, so it lasts as long as the others.
export const MITM: Counts = {
  warmSequential: 300,
  warmRpsMs: 1000,
  warmUploads: 2,
  latency: 500,
  rpsMs: 4000,
  uploads: 10,
  fresh: 50,
};

export interface Contender {
  name: 'direct' | 'proxy' | 'mitmproxy';
  route: Route;
  counts: Counts;
  /** The proxy's process (none for direct). */
  process?: Started;
  start?: () => Promise<Started>;
  idleRss?: number;
  loadedRss?: number;
  startup?: number[];
}

export type Results = Map<string, Record<string, number[]>>;

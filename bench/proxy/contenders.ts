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
  /** Of each 5 MiB body (text, then base64), or as many as fit in `uploadMs` (at least 2). */
  uploads: number;
  uploadMs: number;
  /** New connections, or as many as fit in `freshMs`. */
  fresh: number;
  freshMs: number;
  /** SSE streams (bench/proxy/sse.ts), each ~1 s. */
  sse: number;
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
  uploadMs: 3000,
  fresh: 150,
  freshMs: 3000,
  sse: 3,
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
  uploadMs: 3000,
  fresh: 50,
  freshMs: 3000,
  sse: 3,
};

export type ContenderName = 'direct' | 'proxy' | 'mitmproxy' | 'http-mitm-proxy';

export interface Contender {
  name: ContenderName;
  route: Route;
  counts: Counts;
  /** The proxy's process (none for direct). */
  process?: Started;
  start?: () => Promise<Started>;
  idleRss?: number;
  loadedRss?: number;
  startup?: number[];
}

/** Per contender, per measure: one figure a round (SSE transit: one per event). */
export type Results = Map<ContenderName, Record<string, number[]>>;

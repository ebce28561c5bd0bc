import { join } from 'node:path';
import type { Logger } from '../lib/log.js';
import { ProposalLimiter, type ProposalLimits } from './proposals/limiter.js';

/** Everything a tool needs to know about the one bottle this server serves. */
export interface ServerContext {
  stateDir: string;
  liveConfigDir: string;
  queueDir: string;
  findingsDir: string;
  /** How long one tool call blocks before answering `pending`. */
  maxWaitMs: number;
  /** How often the queue is polled for a decision. */
  pollMs: number;
  /** How often progress is reported while waiting; kept under the 5 s the contract promises. */
  progressEveryMs: number;
  log: Logger;
  /** Serializes find-or-create so two identical calls cannot queue two proposals. */
  queueLock: Mutex;
  /** Bounds how many proposals the agent may file (checked under `queueLock`). */
  limiter: ProposalLimiter;
  /**
   * Old id → the newer id this server filed to supersede it: names the replacement when the
   * old one leaves the queue undecided (this sidecar cannot read the supervisor's archive).
   */
  supersededBy: Map<string, string>;
}

export interface ContextOptions {
  stateDir: string;
  maxWaitSeconds: number;
  log: Logger;
  pollMs?: number;
  progressEveryMs?: number;
  proposalLimits?: ProposalLimits;
}

/** Derives every path from the state dir; nothing the agent sends ever becomes a path. */
export function createContext(options: ContextOptions): ServerContext {
  return {
    stateDir: options.stateDir,
    liveConfigDir: join(options.stateDir, 'live-config'),
    queueDir: join(options.stateDir, 'queue'),
    findingsDir: join(options.stateDir, 'git-gate', 'findings'),
    maxWaitMs: options.maxWaitSeconds * 1000,
    // A stat every 100 ms: an approval reaches the agent's call well within the 250 ms target.
    pollMs: options.pollMs ?? 100,
    progressEveryMs: Math.min(options.progressEveryMs ?? 4000, 5000),
    log: options.log,
    queueLock: createMutex(),
    limiter: new ProposalLimiter(options.proposalLimits),
    supersededBy: new Map<string, string>(),
  };
}

export interface Mutex {
  run<T>(task: () => Promise<T>): Promise<T>;
}

function createMutex(): Mutex {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    run<T>(task: () => Promise<T>): Promise<T> {
      const result = tail.then(task, task);
      tail = result.catch(() => undefined);
      return result;
    },
  };
}

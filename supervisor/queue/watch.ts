import { EventEmitter } from 'node:events';
import { isAbsolute, relative, sep } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { QUEUE_SOURCES } from '../../mcp/queue/schema.js';
import { sweepQueue } from '../engines/sweep.js';
import type { EngineDeps } from '../engines/types.js';
import { listBottles, openBottle } from './bottles.js';
import { bottleProposals } from './proposals.js';
import { settleSupersedes } from './supersede.js';
import { sweepGrants } from '../grants/end.js';
import { GRANT_USES_FILE } from '../../images/egress-proxy/grants.js';

export interface QueueWatchOptions {
  /** Events for one bottle closer together than this are reported once (default 30 ms). */
  debounceMs?: number;
  /** Only this bottle. */
  slug?: string;
  /**
   * Sweep each bottle's queue (engines/sweep.ts: expired proxy proposals archived as
   * `expired`; ./supersede.ts: agent proposals a newer one replaced archived as `superseded`;
   * grants/end.ts: ended grants removed from routes.yaml) when it changes and at each held
   * request's and grant's deadline. Off without it.
   */
  sweep?: { deps: EngineDeps; operator: string };
}

export interface QueueWatchEvents {
  /** Something under `state/<slug>/` that the supervisor shows changed (or the bottle appeared or went). */
  changed: [slug: string];
  /** A sweep archived `moved` proposals (expired, superseded, or decided but left in pending/). */
  swept: [slug: string, moved: number];
  /** Grants that ran out (supervisor/grants/end.ts) were removed from routes.yaml and audited. */
  grantsEnded: [slug: string, ids: string[]];
  error: [error: unknown];
}

const SLUG = /^[a-z0-9][a-z0-9_-]*$/;
/** setTimeout's largest delay is 2^31-1 ms; wake at least hourly instead. */
const MAX_TIMER_MS = 3_600_000;

/**
 * Which paths under `$CLAUDE_BOTTLE_HOME` are watched, by their parts: the state root, each
 * bottle's folder and metadata, its pending and decided queue files, and the proxy's grant-uses
 * ledger (a spent once-grant is tidied at once). Everything else (transcripts, live-config,
 * audit, archive, the denied log, temp files) is never descended into.
 */
export function watchedSlug(parts: readonly string[], only?: string): string | null | undefined {
  if (parts.length === 0) return null;
  if (parts[0] !== 'state') return undefined;
  if (parts.length === 1) return null;
  const slug = parts[1]!;
  if (!SLUG.test(slug) || (only !== undefined && slug !== only)) return undefined;
  const [, , top, folder, source, file, ...rest] = parts;
  if (top === undefined) return slug;
  if (top === 'metadata.json') return parts.length === 3 ? slug : undefined;
  if (top === 'egress-proxy') {
    if (folder === undefined || (folder === 'denied' && source === undefined)) return slug;
    return folder === 'denied' && source === GRANT_USES_FILE && file === undefined
      ? slug
      : undefined;
  }
  if (top !== 'queue' || rest.length > 0) return undefined;
  if (folder === undefined) return slug;
  const isQueueFile = (name: string) => name.endsWith('.json') && !name.startsWith('.');
  if (folder === 'decided') {
    if (source === undefined) return slug;
    return file === undefined && isQueueFile(source) ? slug : undefined;
  }
  if (folder !== 'pending') return undefined;
  if (source === undefined) return slug;
  if (!(QUEUE_SOURCES as readonly string[]).includes(source)) return undefined;
  if (file === undefined) return slug;
  return isQueueFile(file) ? slug : undefined;
}

/**
 * Watches every bottle's queue (chokidar on `$CLAUDE_BOTTLE_HOME`, filtered to the queue
 * paths) and emits `changed(slug)` once per burst; bottles started later appear on their own.
 */
export class QueueWatcher extends EventEmitter<QueueWatchEvents> {
  /** Resolves once the initial scan is done: later changes are all reported. */
  readonly ready: Promise<void>;
  private readonly watcher: FSWatcher;
  private readonly debounce = new Map<string, NodeJS.Timeout>();
  private readonly deadlines = new Map<string, NodeJS.Timeout>();
  private readonly sweeps = new Map<string, Promise<void>>();
  private closed = false;

  constructor(
    private readonly home: string,
    private readonly options: QueueWatchOptions = {},
  ) {
    super();
    if (!isAbsolute(home)) throw new Error(`the home to watch must be absolute: ${home}`);
    this.watcher = watch(home, {
      ignoreInitial: true,
      ignored: (path) => this.slugOf(path) === undefined,
    });
    this.watcher.on('all', (_event, path) => {
      const slug = this.slugOf(path);
      if (slug) this.touched(slug);
    });
    this.watcher.on('error', (error) => this.fail(error));
    this.ready = new Promise<void>((resolve) => this.watcher.once('ready', resolve)).then(
      async () => {
        if (!options.sweep) return;
        const slugs = options.slug
          ? [options.slug]
          : (await listBottles(home)).bottles.map((b) => b.slug);
        await Promise.all(slugs.map((slug) => this.sweep(slug)));
      },
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of [...this.debounce.values(), ...this.deadlines.values()])
      clearTimeout(timer);
    await this.watcher.close();
    await Promise.allSettled(this.sweeps.values());
  }

  /** An 'error' with nobody listening would throw out of a timer: report only to listeners. */
  private fail(error: unknown): void {
    if (this.listenerCount('error') > 0) this.emit('error', error);
  }

  private slugOf(path: string): string | null | undefined {
    const rel = relative(this.home, path);
    if (rel.startsWith('..') || isAbsolute(rel)) return undefined;
    return watchedSlug(rel === '' ? [] : rel.split(sep), this.options.slug);
  }

  private touched(slug: string): void {
    clearTimeout(this.debounce.get(slug));
    const timer = setTimeout(() => {
      this.debounce.delete(slug);
      if (this.closed) return;
      this.emit('changed', slug);
      void this.sweep(slug);
    }, this.options.debounceMs ?? 30);
    this.debounce.set(slug, timer);
  }

  /** One sweep per bottle at a time; a request during one runs after it. */
  private sweep(slug: string): Promise<void> {
    if (!this.options.sweep || this.closed) return Promise.resolve();
    const next = (this.sweeps.get(slug) ?? Promise.resolve())
      .then(() => this.sweepOnce(slug))
      .catch((error: unknown) => this.fail(error));
    this.sweeps.set(slug, next);
    return next;
  }

  private async sweepOnce(slug: string): Promise<void> {
    const { deps, operator } = this.options.sweep!;
    if (this.closed) return;
    const bottle = await openBottle(this.home, slug).catch(() => undefined);
    if (!bottle) return;
    const superseded = await settleSupersedes(bottle, {
      operator,
      now: deps.now,
    });
    const moved = superseded.length + (await sweepQueue(bottle, operator, deps));
    if (moved > 0) this.emit('swept', slug, moved);
    // A grant that could not be tidied is still refused by the proxy; the queue's own
    // deadlines must not wait on it.
    const grants = await sweepGrants(bottle, operator, deps).catch((error: unknown) => {
      this.fail(error);
      return { ended: [], next: Infinity };
    });
    if (grants.ended.length > 0) this.emit('grantsEnded', slug, grants.ended);
    // Nothing on disk changes when a deadline passes: wake up for the next one.
    const now = deps.now().getTime();
    const next = (await bottleProposals(bottle, { now: deps.now() }))
      .filter((view) => view.proposal.expires_at !== undefined)
      .map((view) => Date.parse(view.proposal.expires_at!))
      .reduce((soonest, at) => Math.min(soonest, at), grants.next);
    clearTimeout(this.deadlines.get(slug));
    if (next === Infinity || this.closed) return;
    // A deadline is a change too: readers re-read (the held request is gone) and it is swept.
    // Capped: a far deadline would overflow setTimeout into a 1 ms busy loop.
    const delay = Math.min(Math.max(0, next - now) + 50, MAX_TIMER_MS);
    const timer = setTimeout(() => this.touched(slug), delay);
    timer.unref();
    this.deadlines.set(slug, timer);
  }
}

/** Starts watching; see QueueWatcher. */
export function watchQueues(home: string, options: QueueWatchOptions = {}): QueueWatcher {
  return new QueueWatcher(home, options);
}

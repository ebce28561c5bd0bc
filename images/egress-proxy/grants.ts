import { appendFileSync, readFileSync } from 'node:fs';
import type { Logger } from '../../lib/log.js';
import { matchRoute, type MatchResult, type RequestTarget, type RoutesInForce } from './matcher.js';
import type { Grant, Route, RoutesFile } from './routes/schema.js';

/** What outlives a request and can be cut: a socket, an upstream request, a response. */
interface Closable {
  destroy(): unknown;
  once(event: 'close', listener: () => void): unknown;
}

/** The name of the ledger in the proxy's writable folder, beside denied.jsonl. */
export const GRANT_USES_FILE = 'grant-uses.jsonl';

/** Why a rule with a grant no longer applies, or undefined while it does. */
export function grantEnded(grant: Grant, now: number, used: number): string | undefined {
  if (grant.expires_at !== undefined && Date.parse(grant.expires_at) <= now)
    return `grant ${grant.id} expired at ${grant.expires_at}`;
  if (grant.uses !== undefined && used >= grant.uses)
    return `grant ${grant.id} admitted its ${grant.uses} request${grant.uses === 1 ? '' : 's'}`;
  return undefined;
}

/**
 * The uses of limited grants, kept in `grant-uses.jsonl` (one `{"grant":id,"at":ts}` line a
 * use) so a restarted proxy never admits a spent grant again. A use is appended synchronously
 * before the request goes out: when the append fails the request is refused (fail closed).
 * Without a file (tests, a proxy run by hand) uses are counted in memory only.
 */
export class GrantLedger {
  private used = new Map<string, number>();
  private readonly bound = new Map<string, Set<Closable>>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private lastLoaded: RoutesFile | undefined;
  private loadedHasGrants = false;
  /** The grant ids of the routes file last loaded (reloaded()); unknown before the first. */
  private held: ReadonlySet<string> | undefined;

  constructor(
    private readonly file: string | undefined,
    private readonly logger: Logger,
  ) {
    if (file === undefined) return;
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    this.used = countGrantUses(text);
    // A crash mid-append leaves a line without its newline; the next use must not be glued
    // onto it (both would then be unreadable). A ledger that cannot be mended stops the start.
    if (text !== '' && !text.endsWith('\n')) appendFileSync(file, '\n');
  }

  /**
   * A WebSocket or a passthrough tunnel outlives the request that opened it: one let in by a
   * grant is cut when the grant expires, and when a reload drops the grant (revoke, sweep).
   */
  bind(route: Route, sockets: readonly Closable[], now: number): void {
    const grant = route.grant;
    if (!grant) return;
    // Dropped by a reload between admitting the request and this moment (revoke): cut now.
    if (this.held !== undefined && !this.held.has(grant.id)) {
      for (const socket of sockets) socket.destroy();
      return;
    }
    const set = this.bound.get(grant.id) ?? new Set<Closable>();
    this.bound.set(grant.id, set);
    for (const socket of sockets) {
      set.add(socket);
      socket.once('close', () => set.delete(socket));
    }
    if (grant.expires_at !== undefined && !this.timers.has(grant.id))
      this.cutAt(grant.id, Date.parse(grant.expires_at), now);
  }

  /** After a reload: the sockets of grants the file no longer holds are cut. */
  reloaded(routes: RoutesFile): void {
    const held = new Set(routes.routes.flatMap((route) => (route.grant ? [route.grant.id] : [])));
    this.held = held;
    for (const id of [...this.bound.keys()]) if (!held.has(id)) this.cut(id, 'removed');
  }

  private cutAt(id: string, at: number, now: number): void {
    // setTimeout holds at most ~24.8 days; a later deadline is looked at again then.
    const timer = setTimeout(
      () => (Date.now() >= at ? this.cut(id, 'expired') : this.cutAt(id, at, Date.now())),
      Math.max(0, Math.min(at - now, 2 ** 31 - 1)),
    );
    timer.unref();
    this.timers.set(id, timer);
  }

  private cut(id: string, why: 'expired' | 'removed'): void {
    const sockets = this.bound.get(id);
    this.bound.delete(id);
    clearTimeout(this.timers.get(id));
    this.timers.delete(id);
    if (!sockets || sockets.size === 0) return;
    for (const socket of sockets) socket.destroy();
    this.logger.info('grant_connections_closed', { grant: id, why, connections: sockets.size });
  }

  usesOf(id: string): number {
    return this.used.get(id) ?? 0;
  }

  /** The routes a request may match now: ended grants left out, the rest in file order. */
  inForce(routes: RoutesFile, now: number): RoutesInForce {
    // Asked on every request: whether the file holds a grant at all is looked at once per load.
    if (routes !== this.lastLoaded) {
      this.lastLoaded = routes;
      this.loadedHasGrants = routes.routes.some((route) => route.grant);
    }
    if (!this.loadedHasGrants) return routes;
    const kept: Route[] = [];
    const fileIndex: number[] = [];
    const ended: { route: Route; why: string }[] = [];
    routes.routes.forEach((route, index) => {
      const why = route.grant && grantEnded(route.grant, now, this.usesOf(route.grant.id));
      if (why) {
        ended.push({ route, why });
        return;
      }
      kept.push(route);
      fileIndex.push(index);
    });
    return { routes: kept, fileIndex, ended };
  }

  /**
   * Takes one use of a limited grant; false when none is left or the use could not be recorded.
   * The check and the count happen in one synchronous step, so two requests racing for the
   * last use never both pass.
   */
  take(route: Route, now: number): { ok: true } | { ok: false; reason: string } {
    const grant = route.grant;
    if (!grant) return { ok: true };
    const ended = grantEnded(grant, now, this.usesOf(grant.id));
    if (ended) return { ok: false, reason: ended };
    if (grant.uses === undefined) return { ok: true };
    if (this.file !== undefined) {
      try {
        appendFileSync(
          this.file,
          `${JSON.stringify({ grant: grant.id, at: new Date(now).toISOString() })}\n`,
        );
      } catch (error) {
        this.logger.error('grant_use_unrecorded', { grant: grant.id, error });
        return { ok: false, reason: `the use of grant ${grant.id} could not be recorded` };
      }
    }
    this.used.set(grant.id, this.usesOf(grant.id) + 1);
    this.logger.info('grant_used', {
      grant: grant.id,
      used: this.usesOf(grant.id),
      of: grant.uses,
    });
    return { ok: true };
  }
}

/**
 * A once-grant is for what is new: a request the other rules admit anyway (the bottle's own
 * path on a rule the grant widened) is matched by them and never spends the use.
 */
export function matchSparingUses(routes: RoutesInForce, target: RequestTarget): MatchResult {
  const match = matchRoute(routes, target);
  if (!match.allowed) {
    // A refusal that only an ended grant would have admitted says so, not "no rule names it".
    const was = routes.ended?.find((e) => matchRoute({ routes: [e.route] }, target).allowed);
    return was ? { ...match, reason: `${match.reason} (${was.why})` } : match;
  }
  const limited = match.route.grant;
  if (limited?.uses === undefined) return match;
  const fileIndex = routes.fileIndex ?? routes.routes.map((_route, index) => index);
  const others = routes.routes.flatMap((route, i) =>
    route.grant?.id === limited.id ? [] : [{ route, at: fileIndex[i]! }],
  );
  const without = matchRoute(
    { routes: others.map((o) => o.route), fileIndex: others.map((o) => o.at) },
    target,
  );
  return without.allowed ? without : match;
}

/** The ledger's text as uses per grant id (the proxy at start, the supervisor's listing). */
export function countGrantUses(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of text.split('\n')) {
    const id = grantOfLine(line);
    if (id !== undefined) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

/** The grant id a ledger line counts, or undefined for a torn or foreign line. */
export function grantOfLine(line: string): string | undefined {
  if (line.trim() === '') return undefined;
  try {
    const value = JSON.parse(line) as unknown;
    if (value !== null && typeof value === 'object' && 'grant' in value) {
      const id = value.grant;
      if (typeof id === 'string') return id;
    }
  } catch {
    // a line cut by a crash mid-append: its request never went out, so it is no use
  }
  return undefined;
}

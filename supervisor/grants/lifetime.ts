import { randomBytes } from 'node:crypto';
import type { Grant } from '../../images/egress-proxy/routes/schema.js';
import { BottleError } from '../../lib/errors.js';

/**
 * How long an approval lasts. `bottle` (the default) is what approval always meant: until the
 * bottle is removed. `once` admits the one request the agent retries; `for` ends at a deadline;
 * `permanent` is `bottle` plus the rule written back to the manifest.
 */
export type Lifetime =
  { kind: 'once' } | { kind: 'for'; ms: number } | { kind: 'bottle' } | { kind: 'permanent' };

/** A once-grant that is never retried should not linger: it ends after this long regardless. */
export const ONCE_DEADLINE_MS = 15 * 60_000;

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const MAX_FOR_MS = 30 * UNIT_MS.d!;

/** `90s`, `30m`, `2h`, `1d` → milliseconds; anything else a USAGE error saying what to type. */
export function parseDuration(text: string): number {
  const match = /^([1-9][0-9]{0,5})([smhd])$/.exec(text.trim());
  if (!match) {
    throw new BottleError('USAGE', `--for takes a duration such as 30m, 2h or 90s, got "${text}"`, {
      hint: 'a whole number and one of s, m, h, d (longer than 30 days: use --permanent)',
    });
  }
  const ms = Number(match[1]) * UNIT_MS[match[2]!]!;
  if (ms > MAX_FOR_MS) {
    throw new BottleError('USAGE', `--for ${text} is longer than 30 days`, {
      hint: 'for a rule that should stay, approve it for the bottle’s life (the default) or --permanent',
    });
  }
  return ms;
}

/** The lifetime the approve flags ask for; more than one is a USAGE error. */
export function lifetimeOf(flags: { once?: boolean; for?: string; permanent?: boolean }): Lifetime {
  const chosen = [
    flags.once && '--once',
    flags.for !== undefined && '--for',
    flags.permanent && '--permanent',
  ].filter(Boolean);
  if (chosen.length > 1) {
    throw new BottleError('USAGE', `choose one lifetime, not ${chosen.join(' and ')}`, {
      hint: 'run `claude-bottle approve --help`',
    });
  }
  if (flags.once) return { kind: 'once' };
  if (flags.for !== undefined) return { kind: 'for', ms: parseDuration(flags.for) };
  if (flags.permanent) return { kind: 'permanent' };
  return { kind: 'bottle' };
}

/** The grant a time-boxed lifetime puts on rules; undefined for the bottle's life or permanent. */
export function grantFor(lifetime: Lifetime, now: Date): Grant | undefined {
  const id = `g-${randomBytes(6).toString('hex')}`;
  if (lifetime.kind === 'once')
    return { id, uses: 1, expires_at: new Date(now.getTime() + ONCE_DEADLINE_MS).toISOString() };
  if (lifetime.kind === 'for')
    return { id, expires_at: new Date(now.getTime() + lifetime.ms).toISOString() };
  return undefined;
}

/** How a lifetime reads in messages: "once", "for 30m", "for the bottle's life", "permanently". */
export function describeLifetime(lifetime: Lifetime): string {
  if (lifetime.kind === 'once') return 'once';
  if (lifetime.kind === 'for') return `for ${shortMs(lifetime.ms)}`;
  if (lifetime.kind === 'permanent') return 'permanently';
  return "for the bottle's life";
}

/** 90000 → "1m30s"; whole units only, for a person. */
export function shortMs(ms: number): string {
  if (ms <= 0) return '0s';
  const parts: string[] = [];
  let left = Math.round(ms / 1000);
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    const n = Math.floor(left / size);
    if (n > 0) parts.push(`${n}${unit}`);
    left -= n * size;
  }
  return parts.slice(0, 2).join('');
}

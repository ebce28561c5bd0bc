import { z } from 'zod';

/**
 * The proxy's log lines about a routes reload (stderr, JSON): how the supervisor's apply engine
 * learns that a change is live (the sha256 of the file the proxy now enforces) or was refused.
 * The one home of these shapes: the proxy writes them, the supervisor parses them.
 */
export const RoutesLoadedEventSchema = z.looseObject({
  event: z.literal('routes_loaded'),
  ts: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  routes: z.number().int().nonnegative(),
});

export const RoutesInvalidEventSchema = z.looseObject({
  event: z.literal('routes_invalid'),
  ts: z.string(),
  error: z.string(),
  kept_sha256: z.string(),
});

export const ReloadEventSchema = z.discriminatedUnion('event', [
  RoutesLoadedEventSchema,
  RoutesInvalidEventSchema,
]);

export type ReloadEvent = z.output<typeof ReloadEventSchema>;
export type RoutesLoadedEvent = z.output<typeof RoutesLoadedEventSchema>;
export type RoutesInvalidEvent = z.output<typeof RoutesInvalidEventSchema>;

/** Parses one log line; anything that is not a reload event is undefined. */
export function parseReloadEvent(line: string): ReloadEvent | undefined {
  const start = line.indexOf('{');
  if (start < 0) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(line.slice(start));
  } catch {
    return undefined;
  }
  const parsed = ReloadEventSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

import { createHash } from 'node:crypto';
import { BottleError } from '../../../lib/errors.js';
import { formatYamlIssue, parseYamlWithSchema, type YamlIssue } from '../../../lib/yaml-schema.js';
import { RoutesFileSchema, type RoutesFile } from './schema.js';

export type RoutesParseResult =
  { ok: true; routes: RoutesFile; sha256: string } | { ok: false; issues: YamlIssue[] };

/** Parses routes.yaml text; never throws for bad input. */
export function parseRoutes(text: string, file = 'routes.yaml'): RoutesParseResult {
  const result = parseYamlWithSchema(text, RoutesFileSchema, { file });
  if (!result.ok) return result;
  return { ok: true, routes: result.value, sha256: sha256(text) };
}

/** Parses routes.yaml text or throws ROUTES_INVALID listing every issue. */
export function parseRoutesOrThrow(
  text: string,
  file = 'routes.yaml',
): { routes: RoutesFile; sha256: string } {
  const result = parseRoutes(text, file);
  if (result.ok) return result;
  throw new BottleError('ROUTES_INVALID', result.issues.map(formatYamlIssue).join('\n'), {
    hint: 'fix the lines named above; the format is documented in docs/egress-proxy.md',
  });
}

export function sha256(text: string | Uint8Array): string {
  return createHash('sha256').update(text).digest('hex');
}

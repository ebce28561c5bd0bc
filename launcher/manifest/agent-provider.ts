import { z } from 'zod';
import { didYouMean } from '../../lib/did-you-mean.js';

/**
 * A bottle's `agent_provider`: the short form `claude` or the long form
 * `{name: claude, base_url: https://llm.corp.example, version: "2.1.333"}`. Only this module
 * knows both forms exist: everything else asks providerOf() for the normalized one.
 */

export const PROVIDERS = ['claude', 'codex', 'none'] as const;
export type Provider = (typeof PROVIDERS)[number];

/** The normalized provider: what the launcher acts on. */
export interface AgentProvider {
  name: Provider;
  /** The endpoint the CLI talks to instead of its vendor's (a gateway, or the scripted model). */
  baseUrl?: string;
  /** An exact CLI version to install; absent means the registry's current one at start. */
  version?: string;
}

const PROVIDER_KEYS = ['name', 'base_url', 'version'] as const;

const ProviderNameSchema = z.enum(PROVIDERS, {
  message: 'a provider is claude, codex or none → e.g. agent_provider: claude',
});

// Userinfo, query and fragment are refused: each would either hold a credential or be silently
// mangled when the CLI appends its own API path; the proxy injects the credential instead.
export const BaseUrlSchema = z
  .string({ error: 'base_url is an https:// URL' })
  .superRefine((text, ctx) => {
    const fail = (message: string): void => ctx.addIssue({ code: 'custom', message });
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      return fail(`"${text}" is not a URL → write https://HOST[:PORT][/PATH]`);
    }
    // Plain http would carry the credential the proxy injects in clear past the proxy; the
    // scripted model in tests speaks HTTPS too (its CA goes in egress.upstream_ca).
    if (url.protocol !== 'https:')
      return fail(`base_url must be https:// (got ${url.protocol}//) → use https://${url.host}`);
    if (url.username !== '' || url.password !== '')
      return fail(
        'base_url holds credentials → remove "user:password@"; name the key in auth_token and give its route an auth',
      );
    if (url.search !== '' || text.includes('?'))
      return fail('base_url has a query ("?…") → remove it; the CLI appends its own API path');
    if (url.hash !== '' || text.includes('#'))
      return fail('base_url has a fragment ("#…") → remove it');
    // The provider route is made from this host: a "*" would make it a wildcard credential route.
    if (
      !/^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$|^\[[0-9a-f:.]+\]$/.test(
        url.hostname,
      )
    )
      return fail(
        `base_url host "${url.hostname}" is not a plain host name → letters, digits, "-" and dots (no "*", "_" or trailing dot)`,
      );
  });

/** An exact npm version: it becomes part of a cache path and a package spec, so no ranges. */
export const EXACT_VERSION_PATTERN = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z]+(?:\.[0-9A-Za-z]+)*)?$/;

export const ProviderVersionSchema = z
  .string({ error: 'version is a quoted exact npm version such as "2.1.333"' })
  .regex(
    EXACT_VERSION_PATTERN,
    'version is an exact npm version such as "2.1.333" (quote it; no ranges, tags or "v")',
  );

const ProviderFields = z.strictObject({
  name: ProviderNameSchema,
  base_url: BaseUrlSchema.optional(),
  version: ProviderVersionSchema.optional(),
});

const ProviderObjectSchema = ProviderFields.superRefine((value, ctx) => {
  if (value.name !== 'none') return;
  for (const key of ['base_url', 'version'] as const) {
    if (value[key] !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: `provider none runs no CLI, so "${key}" means nothing → remove it, or name claude or codex`,
      });
  }
});

export type AgentProviderField = Provider | z.output<typeof ProviderObjectSchema>;

type Issue = { path: (string | number)[]; message: string };

const PROVIDER_SHAPE_MESSAGE =
  'agent_provider is claude, codex or none, or {name, base_url, version} → e.g. agent_provider: {name: claude, base_url: https://llm.corp.example}';

/**
 * Dispatches on the form instead of a z.union: a union that fails on a nested type error
 * reports only "invalid input", hiding which key of the long form is wrong. Unknown keys get a
 * did-you-mean here (the project's loader cannot see through this schema for one), reported
 * together with the problems of the known keys.
 */
export const AgentProviderSchema = z.unknown().transform((value, ctx): AgentProviderField => {
  const fail = (issues: Issue[]): never => {
    for (const issue of issues) ctx.addIssue({ code: 'custom', ...issue });
    return z.NEVER;
  };
  if (typeof value === 'string') {
    const name = ProviderNameSchema.safeParse(value);
    return name.success ? name.data : fail([{ path: [], message: name.error.issues[0]!.message }]);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return fail([{ path: [], message: PROVIDER_SHAPE_MESSAGE }]);
  const issues: Issue[] = [];
  const known: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    if ((PROVIDER_KEYS as readonly string[]).includes(key)) {
      known[key] = field;
      continue;
    }
    const guess = didYouMean(key, PROVIDER_KEYS);
    issues.push({
      path: [key],
      message: `unknown key "${key}" → ${guess ? `did you mean "${guess}"?` : `agent_provider takes ${PROVIDER_KEYS.join(', ')}`}`,
    });
  }
  if (!('name' in known))
    issues.push({ path: [], message: 'agent_provider has no name → add name: claude (or codex)' });
  const parsed = ProviderObjectSchema.safeParse(known);
  if (!parsed.success)
    for (const issue of parsed.error.issues) {
      if (issue.path[0] === 'name' && !('name' in known)) continue;
      issues.push({
        path: issue.path.filter((part): part is string | number => typeof part !== 'symbol'),
        message: issue.message,
      });
    }
  return issues.length === 0 && parsed.success ? parsed.data : fail(issues);
});

/** The normalized provider of a bottle, whichever form its manifest used. */
export function providerOf(bottle: {
  config: { agent_provider: AgentProviderField };
}): AgentProvider {
  const field = bottle.config.agent_provider;
  if (typeof field === 'string') return { name: field };
  return {
    name: field.name,
    ...(field.base_url !== undefined ? { baseUrl: field.base_url.replace(/\/+$/, '') } : {}),
    ...(field.version !== undefined ? { version: field.version } : {}),
  };
}

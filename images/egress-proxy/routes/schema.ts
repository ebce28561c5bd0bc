import { z } from 'zod';

/**
 * routes.yaml: the one home of this format. The launcher writes it from a bottle's
 * `egress.routes`, the proxy enforces it, the MCP server validates proposals with it and the
 * supervisor's apply path re-validates with it. Import it; never re-declare it.
 */

/** A secret is named, never located: the proxy reads it from --secrets-dir (or EGRESS_SECRET_<NAME>). */
export const SecretNameSchema = z
  .string()
  .regex(
    /^[a-z0-9_-]+$/,
    'a secret name is lowercase letters, digits, "_" and "-" (a name from the bottle\'s secrets:)',
  );

const hostLabel = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const HOST_PATTERN = new RegExp(
  `^(?:\\*\\.)?(?:${hostLabel}\\.)*${hostLabel}(?::(?:[1-9][0-9]{0,4}))?$|^\\[[0-9a-f:.]+\\](?::[1-9][0-9]{0,4})?$`,
);

export const HostPatternSchema = z
  .string()
  .transform((host) => host.toLowerCase())
  .refine((host) => HOST_PATTERN.test(host), {
    message:
      'host must be an exact name (api.github.com), name:port, or *.example.com for subdomains; no scheme, path or other wildcard',
  });

export const PathPrefixSchema = z
  .string()
  .refine((path) => path.startsWith('/'), { message: 'a path prefix starts with "/"' })
  .refine((path) => !/(^|\/)\.\.?(\/|$)|%2e|%2f|%5c|\\|[?#]/i.test(path), {
    message:
      'a path prefix may not hold "..", "./", encoded dots or slashes, a backslash, "?" or "#"',
  });

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
export const MethodSchema = z
  .string()
  .transform((method) => method.toUpperCase())
  .pipe(z.enum(HTTP_METHODS, { message: `method must be one of ${HTTP_METHODS.join(', ')}` }));

export const HeaderNameSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/,
    'header must be an HTTP header name such as Authorization or x-api-key',
  );

export const RouteAuthSchema = z.strictObject({
  header: HeaderNameSchema,
  scheme: z
    .string()
    .regex(/^[A-Za-z0-9._~+/-]+$/, 'scheme is one word such as Bearer or token')
    .optional(),
  secret: SecretNameSchema,
});

const StaleRouteKeys = z.looseObject({}).superRefine((route, ctx) => {
  if ('role' in route) {
    ctx.addIssue({
      code: 'custom',
      path: ['role'],
      message: '"role" is reserved and not accepted on a route → remove it',
    });
  }
  if ('auth_scheme' in route) {
    ctx.addIssue({
      code: 'custom',
      path: ['auth_scheme'],
      message:
        '"auth_scheme" is an old shape → omit "auth" for an unauthenticated route, or use auth: {header, scheme, secret}',
    });
  }
  const auth = route.auth;
  if (
    auth !== null &&
    typeof auth === 'object' &&
    !Array.isArray(auth) &&
    Object.keys(auth).length === 0
  ) {
    ctx.addIssue({
      code: 'custom',
      path: ['auth'],
      message:
        '"auth: {}" is not allowed → omit "auth" for an unauthenticated route, or give header, secret and optionally scheme',
    });
  }
});

/**
 * An operator's grant with a lifetime (supervisor/grants/): the proxy stops applying the rule at
 * `expires_at`, or after `uses` requests matched it (counted in its grant-uses ledger), with no
 * supervisor running. The supervisor later removes the ended rule from the file and audits it.
 */
export const GrantSchema = z.strictObject({
  id: z
    .string()
    .regex(/^g-[a-z0-9-]{4,64}$/, 'a grant id is "g-" and 4-64 lowercase letters, digits or "-"'),
  expires_at: z.iso
    .datetime({ message: 'expires_at is an ISO time such as 2026-01-01T10:30:00Z' })
    .optional(),
  uses: z.number().int().min(1, 'uses counts the requests the grant admits: 1 or more').optional(),
});

const RouteFields = z.strictObject({
  host: HostPatternSchema,
  paths: z
    .array(PathPrefixSchema)
    .min(1, 'paths, when present, lists at least one prefix (omit it to allow the whole host)')
    .optional(),
  methods: z
    .array(MethodSchema)
    .min(1, 'methods, when present, lists at least one method (omit it to allow all)')
    .optional(),
  auth: RouteAuthSchema.optional(),
  dlp: z.boolean().default(true),
  private: z.boolean().default(false),
  tls: z.enum(['intercept', 'passthrough']).default('intercept'),
  grant: GrantSchema.optional(),
});

export const RouteSchema = StaleRouteKeys.pipe(RouteFields).superRefine((route, ctx) => {
  if (route.tls === 'passthrough' && route.grant?.uses !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['grant', 'uses'],
      message:
        'a tls: passthrough route cannot be limited to a number of requests (the proxy never sees them) → use expires_at',
    });
  }
  if (route.tls === 'passthrough') {
    for (const key of ['paths', 'methods', 'auth'] as const) {
      if (route[key] !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `tls: passthrough cannot enforce "${key}" (the proxy never sees inside the TLS) → remove "${key}" or use tls: intercept`,
        });
      }
    }
  }
});

export const RoutesFileSchema = z.strictObject({
  routes: z.array(RouteSchema),
});

export type Route = z.output<typeof RouteSchema>;
export type RouteInput = z.input<typeof RouteFields>;
export type RouteAuth = z.output<typeof RouteAuthSchema>;
export type Grant = z.output<typeof GrantSchema>;
export type RoutesFile = z.output<typeof RoutesFileSchema>;

/** The environment variable the proxy reads a named secret from when it has no --secrets-dir. */
export function secretEnvName(secret: string): string {
  return `EGRESS_SECRET_${secret.toUpperCase().replace(/-/g, '_')}`;
}

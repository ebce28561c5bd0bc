import { RouteSchema, type Route } from '../../images/egress-proxy/routes/schema.js';

/**
 * A routes.yaml rule as a bottle manifest spells it. The manifest's `egress.routes` is the
 * proxy's own schema, so only two things differ: defaults are left out (a manifest says
 * `dlp: false`, never `dlp: true`), and nothing but the schema's fields is carried (a `grant`
 * key the supervisor puts on a rule it approved is bookkeeping of the live file, not policy).
 */
export interface ManifestRoute {
  host: string;
  paths?: string[];
  methods?: string[];
  auth?: { header: string; scheme?: string; secret: string };
  tls?: 'passthrough';
  private?: true;
  dlp?: false;
}

export function manifestRoute(route: Route): ManifestRoute {
  const auth = route.auth;
  return {
    host: route.host,
    ...(route.paths ? { paths: [...route.paths] } : {}),
    ...(route.methods ? { methods: [...route.methods] } : {}),
    ...(auth
      ? {
          auth: {
            header: auth.header,
            ...(auth.scheme ? { scheme: auth.scheme } : {}),
            secret: auth.secret,
          },
        }
      : {}),
    ...(route.tls === 'passthrough' ? { tls: 'passthrough' as const } : {}),
    ...(route.private ? { private: true as const } : {}),
    ...(route.dlp === false ? { dlp: false as const } : {}),
  };
}

/** One string per route meaning: two spellings of the same rule compare equal. */
export function routeKey(route: Route): string {
  return JSON.stringify(manifestRoute(route));
}

/** A manifest's route node (YAML already turned into JS) as the proxy reads it, if it is one. */
export function parseManifestRoute(value: unknown): Route | undefined {
  const parsed = RouteSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/**
 * Whether a live rule is a time-boxed grant (`grant: {id, expires_at?, uses?}` with a deadline
 * or a use count): it ends by itself, so it is never made permanent in the manifest.
 */
export function isTimeBoxed(route: Route): boolean {
  return route.grant?.expires_at !== undefined || route.grant?.uses !== undefined;
}

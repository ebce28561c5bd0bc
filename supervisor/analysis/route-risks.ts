import { hostMatches } from '../../images/egress-proxy/matcher.js';
import { probeHost } from './route-probes.js';

/**
 * What a rule's host and prefixes reach that git-gate or the private-address check exist to
 * keep out of reach. Pure functions over the parsed rule; the caller decides the level.
 */

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** A self-hosted forge's name: one of these words as a label or part of one (`gitlab-ce.corp`). */
function forgeName(words: string): RegExp {
  return new RegExp(`(^|[.-])(${words})([.-]|$)`);
}

/** Forge APIs that write (or read) repository contents without a push: no gitleaks scan. */
const FORGE_APIS: { what: string; hosts: string[] | RegExp; paths: string[] }[] = [
  {
    what: 'the GitHub contents / git-data / merge / GraphQL API',
    hosts: ['api.github.com'],
    paths: ['/repos/*/*/contents', '/repos/*/*/git', '/repos/*/*/merges', '/graphql'],
  },
  {
    what: 'the GitHub Enterprise contents / git-data API',
    hosts: forgeName('github'),
    paths: ['/api/v3/repos/*/*/contents', '/api/v3/repos/*/*/git', '/api/graphql'],
  },
  {
    what: 'the GitLab repository files / commits API',
    hosts: forgeName('gitlab'),
    paths: ['/api/v4/projects/*/repository'],
  },
  {
    what: 'the Bitbucket src API',
    hosts: ['api.bitbucket.org'],
    paths: ['/2.0/repositories/*/*/src'],
  },
  {
    what: 'the Gitea / Forgejo contents API',
    hosts: forgeName('git|gitea|forgejo|codeberg'),
    paths: ['/api/v1/repos/*/*/contents', '/api/v1/repos/*/*/git'],
  },
];

/** Hosts that serve git over smart HTTP at any path (`<owner>/<repo>.git/info/refs`). */
const GIT_WEB_HOSTS = [
  'github.com',
  'gitlab.com',
  'bitbucket.org',
  'codeberg.org',
  'gitea.com',
  'git.sr.ht',
  'dev.azure.com',
  'gist.github.com',
];
const SMART_HTTP_PATH = /(^|\/)(info\/refs|git-upload-pack|git-receive-pack)(\/|$)|\.git(\/|$)/i;

export interface GateBypass {
  what: string;
  /** True when a write method reaches it (contents can change without a push). */
  writes: boolean;
}

/** Whether newly allowed methods on these prefixes (`*`: the whole host) reach around git-gate. */
export function gitGateBypass(
  hostPattern: string,
  prefixes: Iterable<string>,
  methods: Iterable<string>,
): GateBypass | undefined {
  const list = [...prefixes];
  const writes = [...methods].some((method) => WRITE_METHODS.has(method));
  const smartHost = GIT_WEB_HOSTS.some((host) => hostMatches(hostPattern, host, 443));
  if (smartHost || list.some((prefix) => prefix !== '*' && SMART_HTTP_PATH.test(prefix)))
    return { what: 'git over smart HTTP (clone and fetch of any repository)', writes };
  const { host } = probeHost(hostPattern);
  for (const api of FORGE_APIS) {
    const named =
      api.hosts instanceof RegExp
        ? api.hosts.test(host)
        : api.hosts.some((forge) => hostMatches(hostPattern, forge, 443));
    if (!named) continue;
    if (api.paths.some((pattern) => list.some((prefix) => prefixMeets(prefix, pattern))))
      return { what: api.what, writes };
  }
  return undefined;
}

/**
 * Does the region a prefix allows (the prefix and everything below it) meet a path pattern
 * (`*` is one segment, and everything below the pattern counts)? Compared segment by segment
 * as far as both go: `/repos/` meets `/repos/*\/*\/contents`, and so does
 * `/repos/acme/app/contents/src/`; `/repos/acme/app/issues` does not.
 */
export function prefixMeets(prefix: string, pattern: string): boolean {
  if (prefix === '*') return true;
  const have = prefix.toLowerCase().split('/').filter(Boolean);
  const want = pattern.split('/').filter(Boolean);
  for (let i = 0; i < Math.min(have.length, want.length); i++)
    if (want[i] !== '*' && want[i] !== have[i]) return false;
  return true;
}

export type AddressKind =
  | 'loopback'
  | 'link-local'
  | 'private'
  | 'shared (CGNAT)'
  | 'unspecified'
  | 'internal name'
  | 'public IP address';

/** What kind of address a route's host names, if it is not an ordinary public name. */
export function addressKind(hostPattern: string): AddressKind | undefined {
  const { host } = probeHost(hostPattern);
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (v4) return ipv4Kind(v4.slice(1).map(Number));
  if (hostPattern.startsWith('[')) return ipv6Kind(host);
  if (
    host === 'localhost' ||
    /\.(localhost|local|internal|lan|home\.arpa|intranet|corp)$/.test(host) ||
    host === 'metadata'
  )
    return 'internal name';
  return undefined;
}

function ipv4Kind([a, b]: number[]): AddressKind {
  if (a === 127) return 'loopback';
  if (a === 169 && b === 254) return 'link-local';
  if (a === 10 || (a === 172 && b! >= 16 && b! <= 31) || (a === 192 && b === 168)) return 'private';
  if (a === 100 && b! >= 64 && b! <= 127) return 'shared (CGNAT)';
  if (a === 0) return 'unspecified';
  return 'public IP address';
}

function ipv6Kind(host: string): AddressKind {
  const lower = host.toLowerCase();
  const mapped = /^::ffff:(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(lower);
  if (mapped) return ipv4Kind(mapped.slice(1).map(Number));
  // The same mapped address in hex (::ffff:a9fe:a9fe is 169.254.169.254).
  const mappedHex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (mappedHex) {
    const [hi, lo] = [parseInt(mappedHex[1]!, 16), parseInt(mappedHex[2]!, 16)];
    return ipv4Kind([hi >> 8, hi & 255, lo >> 8, lo & 255]);
  }
  if (lower === '::1') return 'loopback';
  if (lower === '::') return 'unspecified';
  if (/^fe[89ab]/.test(lower)) return 'link-local';
  if (/^f[cd]/.test(lower)) return 'private';
  return 'public IP address';
}

import { readFile, realpath, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { Route } from '../../images/egress-proxy/routes/schema.js';
import { planProviderRoute, type SignIn } from '../../launcher/credentials/provider-route.js';
import { splitFrontMatter } from '../../launcher/manifest/front-matter.js';
import { loadManifests } from '../../launcher/manifest/load.js';
import { BottleSchema, type Bottle } from '../../launcher/manifest/schema.js';
import type { LoadedBottle, ManifestIssue } from '../../launcher/manifest/types.js';
import { writeFileAtomic } from '../../lib/atomic-write.js';
import { BottleError } from '../../lib/errors.js';
import { formatYamlIssue, parseYamlWithSchema } from '../../lib/yaml-schema.js';
import { unifiedDiff as diffLines } from '../tui/diff.js';
import { isTimeBoxed, routeKey } from './manifest-route.js';
import { diffRoutes } from './route-diff.js';
import { spliceRoutes } from './route-splice.js';

/**
 * Live grants made permanent: routes written into a bottle's manifest, so the next `start`
 * begins with them. `policy diff --write` and `approve --permanent` share these.
 */

export interface ManifestRoutesOptions {
  /** Hosts whose routes leave the manifest (a `removed` item the operator chose). */
  remove?: readonly string[];
  /** The sign-in metadata.json recorded at start: it decides which route is the provider's. */
  signIn?: SignIn;
  /** Named in errors (default `<bottleName>.md`). */
  file?: string;
}

export interface SkippedRoute {
  host: string;
  why: string;
}

export interface ManifestEdit {
  /** The whole manifest file, body and all; equal to the input when nothing changed. */
  text: string;
  /** Hosts whose routes in the manifest changed. */
  hosts: string[];
  /** Routes not written, and why (the provider's sign-in route, a time-boxed grant, …). */
  skipped: SkippedRoute[];
}

/**
 * The manifest with the given routes in its `egress.routes`, as pure text → text. Routes are
 * matched by host, as `policy diff` lists them: for every host named in `routes`, the bottle's
 * routes for that host become exactly the given ones, in the given order (so pass every live
 * route of the host, not only the new one). Hosts in `options.remove` lose their routes.
 * Never written: the provider's sign-in route the launcher adds from auth_token (a manifest
 * route for its host would replace it), and a time-boxed grant (`grant` with `expires_at` or
 * `uses`); a `grant` key is never carried over. Only the lines of changed routes change.
 */
export function manifestWithRoutes(
  manifestText: string,
  bottleName: string,
  routes: readonly Route[],
  options: ManifestRoutesOptions = {},
): ManifestEdit {
  const file = options.file ?? `${bottleName}.md`;
  const section = frontMatterSection(manifestText, file);
  const before = validBottle(section.yaml, file, 'the manifest does not load');
  const skipped: SkippedRoute[] = [];
  const targets = new Map<string, Route[]>();
  const catches = providerRouteCatcher(bottleName, file, before, options.signIn);
  for (const route of routes) {
    if (isTimeBoxed(route)) {
      skipped.push({ host: route.host, why: 'a time-boxed grant: it ends by itself' });
      continue;
    }
    if (catches(route)) {
      skipped.push({
        host: route.host,
        why: "the provider's sign-in route, added by the launcher from auth_token",
      });
      continue;
    }
    targets.set(route.host, [...(targets.get(route.host) ?? []), route]);
  }
  const named = new Set(routes.map((route) => route.host));
  for (const host of options.remove ?? []) {
    if (named.has(host)) continue;
    if (!before.egress.routes.some((route) => route.host === host)) {
      skipped.push({ host, why: 'no route of the manifest names it (the launcher adds it)' });
      continue;
    }
    targets.set(host, []);
  }
  const changed = [...targets].filter(
    ([host, wanted]) => keysOf(before, host).join('\n') !== wanted.map(routeKey).join('\n'),
  );
  if (changed.length === 0) return { text: manifestText, hosts: [], skipped };

  const yaml = spliceRoutes(
    section.yaml,
    parseDocument(section.yaml, { uniqueKeys: true }),
    new Map(changed),
  );
  const after = validBottle(yaml, file, 'the edited manifest does not load (a bug)');
  const hosts = new Set([...before.egress.routes, ...after.egress.routes].map((r) => r.host));
  for (const host of hosts) {
    const wanted = targets.get(host)?.map(routeKey) ?? keysOf(before, host);
    if (keysOf(after, host).join('\n') !== wanted.join('\n'))
      throw new BottleError('INTERNAL', `writing the routes of ${host} into ${file} went wrong`, {
        hint: 'this is a bug in claude-bottle; edit the manifest by hand from `policy diff`',
      });
  }
  return {
    text: `${section.head}${yaml}${section.tail}`,
    hosts: changed.map(([host]) => host),
    skipped,
  };
}

/**
 * What manifestWithRoutes takes for the hosts whose routes differ between two routes files
 * (the live file before and after an approval): every `after` route of those hosts, and the
 * hosts `after` no longer names.
 */
export function routesOfChangedHosts(
  before: readonly Route[],
  after: readonly Route[],
): { routes: Route[]; remove: string[] } {
  const hosts = new Set(diffRoutes(before, after).map((item) => item.host));
  const named = new Set(after.map((route) => route.host));
  return {
    routes: after.filter((route) => hosts.has(route.host)),
    remove: [...hosts].filter((host) => !named.has(host)),
  };
}

/** A unified diff of two manifest texts ('' when equal), for the operator to read. */
export function unifiedDiff(
  before: string,
  after: string,
  labels: { from: string; to: string },
): string {
  return diffLines(before, after, { fromName: labels.from, toName: labels.to })
    .map((line) => `${line.text}\n`)
    .join('');
}

export interface CheckedWrite {
  /** The bottle as `manifest check` now loads it from the written file. */
  bottle: LoadedBottle;
  /** Problems `manifest check` finds in other manifests (not this write's doing). */
  otherProblems: ManifestIssue[];
}

/**
 * Writes a bottle manifest only if it is still `beforeText` (as read when the change was
 * made) and `afterText` passes the loader `manifest check` runs, in its place among the
 * home's other manifests. Atomic: a reader sees the old file or the new one. A symlinked
 * manifest is written through to its target, with the target's mode kept.
 */
export async function writeManifestChecked(
  path: string,
  beforeText: string,
  afterText: string,
  context: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CheckedWrite> {
  const file = resolve(path);
  await expectUnchanged(file, beforeText);
  const home = dirname(dirname(file));
  const set = await loadManifests({
    home,
    cwd: context.cwd ?? home,
    env: context.env,
    overrides: new Map([[file, afterText]]),
  });
  const own = set.errors.filter((issue) => issue.file === file);
  const bottle = set.bottles.find((b) => b.file === file);
  if (own.length > 0 || !bottle)
    throw new BottleError(
      'MANIFEST_INVALID',
      `the changed ${file} would not pass manifest check:\n${own.map(formatYamlIssue).join('\n')}`,
      {
        hint: 'nothing was written; fix the manifest by hand, then run `claude-bottle manifest check`',
      },
    );
  const target = await realpath(file);
  const { mode } = await stat(target);
  await expectUnchanged(file, beforeText);
  await writeFileAtomic(target, afterText, { mode: mode & 0o7777 });
  return { bottle, otherProblems: set.errors.filter((issue) => issue.file !== file) };
}

async function expectUnchanged(file: string, beforeText: string): Promise<void> {
  let now: string;
  try {
    now = await readFile(file, 'utf8');
  } catch (error) {
    throw new BottleError(
      'MANIFEST_NOT_FOUND',
      `cannot read ${file}: ${(error as Error).message}`,
      {
        hint: 'run `claude-bottle manifest check` to see the manifests there are',
      },
    );
  }
  if (now !== beforeText)
    throw new BottleError('MANIFEST_CHANGED', `${file} changed since it was read`, {
      hint: 'nothing was written; run the command again to see the change against the file as it is now',
    });
}

interface Section {
  /** The opening `---` line (and a byte order mark). */
  head: string;
  yaml: string;
  /** The closing `---` line and the body after it. */
  tail: string;
}

/** The front matter's exact text, so the parts around it are put back unchanged. */
function frontMatterSection(text: string, file: string): Section {
  const split = splitFrontMatter(text);
  if (!split.ok)
    throw new BottleError('MANIFEST_INVALID', `${file}: ${split.message}`, {
      hint: 'run `claude-bottle manifest check` to see every problem',
    });
  const open = text.indexOf('\n') + 1;
  let close = open;
  while (text.slice(close, lineEndOf(text, close)).trimEnd() !== '---')
    close = lineEndOf(text, close) + 1;
  return { head: text.slice(0, open), yaml: text.slice(open, close), tail: text.slice(close) };
}

function lineEndOf(text: string, from: number): number {
  const newline = text.indexOf('\n', from);
  return newline === -1 ? text.length : newline;
}

function validBottle(yaml: string, file: string, what: string): Bottle {
  const parsed = parseYamlWithSchema(yaml, BottleSchema, { file, lineOffset: 1 });
  if (parsed.ok) return parsed.value;
  throw new BottleError(
    'MANIFEST_INVALID',
    `${what}:\n${parsed.issues.map(formatYamlIssue).join('\n')}`,
    { hint: 'fix it first; `claude-bottle manifest check` lists every problem' },
  );
}

function keysOf(bottle: Bottle, host: string): string[] {
  return bottle.egress.routes.filter((route) => route.host === host).map(routeKey);
}

/**
 * Whether a route would take the place of the provider route the launcher adds: asked of
 * planProviderRoute() itself, with the route as the bottle's only hand-written one.
 */
function providerRouteCatcher(
  name: string,
  file: string,
  config: Bottle,
  signIn: SignIn | undefined,
): (route: Route) => boolean {
  const asLoaded = (routes: Route[]): LoadedBottle => ({
    name,
    file,
    notes: '',
    config: { ...config, egress: { ...config.egress, routes } },
    lineOf: () => undefined,
  });
  if (planProviderRoute(asLoaded(config.egress.routes), signIn).kind !== 'added')
    return () => false;
  return (route) => planProviderRoute(asLoaded([route]), signIn).kind === 'hand-written';
}

import { parseRoutes } from '../../images/egress-proxy/routes/parse.js';
import { planProviderRoute } from '../../launcher/credentials/provider-route.js';
import { manifestSha256 } from '../../launcher/manifest/digest.js';
import { routesYaml } from '../../launcher/state/live-config.js';
import { updateMetadata } from '../../launcher/state/metadata.js';
import type { CliIo } from '../../lib/cli-args.js';
import { BottleError } from '../../lib/errors.js';
import { terminalSafe } from '../../lib/terminal-safe.js';
import type { PolicyItem, PolicyState } from './collect.js';
import { diffRoutes } from './route-diff.js';
import { manifestWithRoutes, unifiedDiff, writeManifestChecked } from './write.js';

export interface WriteFlags {
  only?: string;
  yes: boolean;
  force: boolean;
}

const WRITTEN_BY_DEFAULT = new Set(['added', 'widened', 'changed']);

/**
 * `policy diff --write`: the chosen route items into the bottle's manifest. A host's items go
 * together: its routes in the manifest become its live routes (none: removed from it).
 */
export async function writeChosenRoutes(
  state: PolicyState,
  flags: WriteFlags,
  io: CliIo,
): Promise<number> {
  const { diff, bottle } = state;
  refuseChangedManifest(state, flags.force);
  const chosen =
    flags.only !== undefined
      ? chooseItems(diff.items, flags.only)
      : diff.items.filter((item) => item.kind === 'route' && WRITTEN_BY_DEFAULT.has(item.change));
  if (chosen.length === 0)
    throw new BottleError(
      'INPUT_INVALID',
      `nothing to write: policy diff ${diff.slug} lists no route added, widened or changed`,
      { hint: 'a removed route is written only when chosen by its number: --write --only N' },
    );
  const hosts = new Set(chosen.map((item) => item.host!));
  const liveHosts = new Set(state.live.map((route) => route.host));
  const edit = manifestWithRoutes(
    state.manifestText,
    bottle.name,
    state.live.filter((route) => hosts.has(route.host)),
    {
      remove: [...hosts].filter((host) => !liveHosts.has(host)),
      signIn: state.signIn,
      file: bottle.file,
    },
  );
  for (const skip of edit.skipped)
    io.stdout.write(terminalSafe(`not written: ${skip.host}: ${skip.why}\n`));
  if (edit.hosts.length === 0)
    throw new BottleError('INPUT_INVALID', `nothing to write into ${bottle.file}`, {
      hint: 'the chosen routes are the provider’s or time-boxed grants, or the manifest already has them',
    });
  io.stdout.write(
    terminalSafe(
      unifiedDiff(state.manifestText, edit.text, {
        from: bottle.file,
        to: `${bottle.file} (with the live routes of ${edit.hosts.join(', ')})`,
      }),
    ),
  );
  if (!(await confirmed(io, flags.yes, bottle.file))) {
    io.stdout.write('not written\n');
    return 0;
  }
  const written = await writeManifestChecked(bottle.file, state.manifestText, edit.text, {
    cwd: io.cwd,
    env: io.env,
  });
  // The manifest now accounts for these grants: a later policy diff of this bottle compares
  // against it without calling it edited since start.
  await updateMetadata(state.layout.metadata, { manifest_sha256: manifestSha256(edit.text) });
  io.stdout.write(terminalSafe(`wrote ${bottle.file}\n`));
  io.stdout.write(
    written.otherProblems.length === 0
      ? 'manifest check: ok\n'
      : `manifest check: ok for this bottle; ${written.otherProblems.length} problem(s) in other manifests (run \`claude-bottle manifest check\`)\n`,
  );
  const planned = parseRoutes(
    routesYaml(written.bottle, planProviderRoute(written.bottle, state.signIn)),
  );
  const left = planned.ok ? diffRoutes(planned.routes.routes, state.live) : [];
  io.stdout.write(`routes it would start now against live-config/routes.yaml: `);
  io.stdout.write(left.length === 0 ? 'no difference\n' : `${left.length} difference(s)\n`);
  for (const item of left)
    io.stdout.write(
      terminalSafe(
        `  ${item.change === 'removed' ? '-' : '+'} route ${item.change}: ${item.host}: ${item.detail}${hosts.has(item.host) ? ' (chosen, not written: see above)' : ''}\n`,
      ),
    );
  return 0;
}

export function refuseChangedManifest(state: PolicyState, force: boolean): void {
  const { diff } = state;
  if (force || diff.manifest_changed === false) return;
  if (diff.manifest_changed === null)
    throw new BottleError(
      'MANIFEST_CHANGED',
      `${diff.slug}'s metadata.json records no manifest sha256 (started by an older claude-bottle), so an edit of ${diff.manifest} since start cannot be told`,
      { hint: 'check the listing against the manifest, then add --force to write anyway' },
    );
  throw new BottleError(
    'MANIFEST_CHANGED',
    `${diff.manifest} was edited since ${diff.slug} started`,
    {
      hint: 'the listing compares live-config/ with the manifest as it is now, not as the bottle started; check it, then add --force to write anyway',
    },
  );
}

/** `--only 1,3`: item numbers from the listing, route items only. */
function chooseItems(items: readonly PolicyItem[], only: string): PolicyItem[] {
  const chosen: PolicyItem[] = [];
  for (const part of only.split(',')) {
    const text = part.trim();
    const n = /^\d+$/.test(text) ? Number(text) : NaN;
    const item = items[n - 1];
    if (!item)
      throw new BottleError(
        'USAGE',
        `--only takes item numbers from the listing (1 to ${items.length}), got "${text}"`,
        { hint: 'run `claude-bottle policy diff <slug>` to see the numbered items' },
      );
    if (item.kind !== 'route' || item.host === undefined)
      throw new BottleError(
        'INPUT_INVALID',
        `item ${n} is a ${item.kind} change: only routes are written to the manifest`,
        {
          hint: 'a bottle manifest holds no gitleaks allowlist or Dockerfile change; choose route items',
        },
      );
    if (!chosen.includes(item)) chosen.push(item);
  }
  return chosen;
}

export async function confirmed(io: CliIo, yes: boolean, file: string): Promise<boolean> {
  if (yes) return true;
  const stdin = io.stdin;
  if (!stdin || stdin.isTTY !== true)
    throw new BottleError('USAGE', `no terminal to ask "write ${file}?" on: nothing was written`, {
      hint: 'add --yes to write the diff above without asking',
    });
  io.stdout.write(terminalSafe(`write ${file}? [y/N] `));
  const { createInterface } = await import('node:readline');
  const lines = createInterface({ input: stdin, terminal: false });
  const answer = await new Promise<string>((resolve) => {
    lines.once('line', resolve);
    lines.once('close', () => resolve(''));
  });
  lines.close();
  return /^\s*y(es)?\s*$/i.test(answer);
}

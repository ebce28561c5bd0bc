import { parseRoutesOrThrow } from '../../images/egress-proxy/routes/parse.js';
import { manifestSha256 } from '../../launcher/manifest/digest.js';
import { updateMetadata } from '../../launcher/state/metadata.js';
import type { CliIo } from '../../lib/cli-args.js';
import { BottleError } from '../../lib/errors.js';
import { terminalSafe } from '../../lib/terminal-safe.js';
import { readLive } from '../engines/live-config-writer.js';
import { policyState, type PolicyState } from '../policy/collect.js';
import { confirmed, refuseChangedManifest } from '../policy/write-command.js';
import {
  manifestWithRoutes,
  routesOfChangedHosts,
  unifiedDiff,
  writeManifestChecked,
} from '../policy/write.js';
import { locateProposal } from '../queue/proposals.js';
import { grantedRoutes } from './routes.js';

export interface PermanentPlan {
  state: PolicyState;
  text: string;
}

/**
 * `approve --permanent`, before anything is decided: the bottle's manifest as it would be with
 * the hosts this proposal changes, shown as a diff and confirmed (or --yes). Refused when the
 * manifest was edited since the bottle started (unless --force), or when the proposal changes
 * nothing a manifest holds.
 */
export async function planPermanent(
  io: CliIo,
  home: string,
  request: { id: string; slug?: string; editedText?: string; yes: boolean; force: boolean },
): Promise<PermanentPlan | undefined> {
  const { bottle, view } = await locateProposal(home, request.id, request.slug);
  if (view.proposal.tool !== 'egress-proxy-block') return undefined;
  const live = await readLive(bottle.layout, 'routes');
  const approved = grantedRoutes(
    live.text,
    request.editedText ?? view.proposal.payload.routes_yaml,
    undefined,
  ).text;
  const after = parseRoutesOrThrow(approved, 'the approved routes.yaml').routes.routes;
  const state = await policyState(home, io.cwd, bottle.slug, io.env);
  refuseChangedManifest(state, request.force);
  const { routes, remove } = routesOfChangedHosts(state.live, after);
  const edit = manifestWithRoutes(state.manifestText, state.bottle.name, routes, {
    remove,
    signIn: state.signIn,
    file: state.bottle.file,
  });
  for (const skip of edit.skipped)
    io.stdout.write(terminalSafe(`not written: ${skip.host}: ${skip.why}\n`));
  if (edit.hosts.length === 0) {
    throw new BottleError(
      'INPUT_INVALID',
      `${view.proposal.id} changes nothing ${state.bottle.file} holds`,
      {
        hint: 'approve it without --permanent (for the bottle’s life)',
      },
    );
  }
  io.stdout.write(
    terminalSafe(
      unifiedDiff(state.manifestText, edit.text, {
        from: state.bottle.file,
        to: `${state.bottle.file} (with ${view.proposal.id})`,
      }),
    ),
  );
  if (!(await confirmed(io, request.yes, state.bottle.file))) return { state, text: '' };
  return { state, text: edit.text };
}

/** After the approval is live: the manifest written and checked, its new sha256 recorded. */
export async function writePermanent(io: CliIo, plan: PermanentPlan): Promise<void> {
  try {
    await writeManifestChecked(plan.state.bottle.file, plan.state.manifestText, plan.text, {
      cwd: io.cwd,
      env: io.env,
    });
  } catch (error) {
    throw new BottleError(
      'APPLY_FAILED',
      `the routes are live for the bottle's life, but ${plan.state.bottle.file} was not written: ${error instanceof Error ? error.message : String(error)}`,
      { hint: 'run `claude-bottle policy diff <slug> --write` to write it once fixed' },
    );
  }
  await updateMetadata(plan.state.layout.metadata, { manifest_sha256: manifestSha256(plan.text) });
  io.stdout.write(terminalSafe(`wrote ${plan.state.bottle.file}; manifest check: ok\n`));
}

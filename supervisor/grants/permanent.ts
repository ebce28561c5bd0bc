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

export interface PermanentEdit extends PermanentPlan {
  /** Routes not written and why (the provider's sign-in, a time-boxed grant). */
  skipped: { host: string; why: string }[];
}

/**
 * The bottle's manifest as it would be with the hosts this proposal changes, computed before
 * anything is decided. Refused when the manifest was edited since the bottle started (unless
 * force), or when the proposal changes nothing a manifest holds. Undefined for other tools.
 */
export async function permanentEdit(
  home: string,
  context: { cwd: string; env: NodeJS.ProcessEnv },
  request: { id: string; slug?: string; editedText?: string; force: boolean },
): Promise<PermanentEdit | undefined> {
  const { bottle, view } = await locateProposal(home, request.id, request.slug);
  if (view.proposal.tool !== 'egress-proxy-block') return undefined;
  const live = await readLive(bottle.layout, 'routes');
  const approved = grantedRoutes(
    live.text,
    request.editedText ?? view.proposal.payload.routes_yaml,
    undefined,
  ).text;
  const after = parseRoutesOrThrow(approved, 'the approved routes.yaml').routes.routes;
  const state = await policyState(home, context.cwd, bottle.slug, context.env);
  refuseChangedManifest(state, request.force);
  const { routes, remove } = routesOfChangedHosts(state.live, after);
  const edit = manifestWithRoutes(state.manifestText, state.bottle.name, routes, {
    remove,
    signIn: state.signIn,
    file: state.bottle.file,
  });
  if (edit.hosts.length === 0) {
    throw new BottleError(
      'INPUT_INVALID',
      `${view.proposal.id} changes nothing ${state.bottle.file} holds`,
      { hint: 'approve it without --permanent (for the bottle’s life)' },
    );
  }
  return { state, text: edit.text, skipped: edit.skipped };
}

/** `approve --permanent`: the edit shown as a diff and confirmed (or --yes); text '' if declined. */
export async function planPermanent(
  io: CliIo,
  home: string,
  request: { id: string; slug?: string; editedText?: string; yes: boolean; force: boolean },
): Promise<PermanentPlan | undefined> {
  const edit = await permanentEdit(home, io, request);
  if (!edit) return undefined;
  for (const skip of edit.skipped)
    io.stdout.write(terminalSafe(`not written: ${skip.host}: ${skip.why}\n`));
  const file = edit.state.bottle.file;
  io.stdout.write(
    terminalSafe(
      unifiedDiff(edit.state.manifestText, edit.text, {
        from: file,
        to: `${file} (with ${request.id})`,
      }),
    ),
  );
  if (!(await confirmed(io, request.yes, edit.state.bottle.file)))
    return { state: edit.state, text: '' };
  return { state: edit.state, text: edit.text };
}

/** After the approval is live: the manifest written and checked, its new sha256 recorded. */
export async function writeManifestOf(
  plan: PermanentPlan,
  context: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<string> {
  try {
    await writeManifestChecked(plan.state.bottle.file, plan.state.manifestText, plan.text, context);
  } catch (error) {
    throw new BottleError(
      'APPLY_FAILED',
      `the routes are live for the bottle's life, but ${plan.state.bottle.file} was not written: ${error instanceof Error ? error.message : String(error)}`,
      { hint: 'run `claude-bottle policy diff <slug> --write` to write it once fixed' },
    );
  }
  await updateMetadata(plan.state.layout.metadata, { manifest_sha256: manifestSha256(plan.text) });
  return `wrote ${plan.state.bottle.file}; manifest check: ok`;
}

/** `approve --permanent`, after the approval is live. */
export async function writePermanent(io: CliIo, plan: PermanentPlan): Promise<void> {
  io.stdout.write(terminalSafe(`${await writeManifestOf(plan, io)}\n`));
}

import { execa } from 'execa';
import type { ProposalView } from '../queue/proposals.js';
import { proposalSummary } from '../proposal-summary.js';
import { oneLine } from './sanitize.js';

/** How long a notify command may run before it is killed (it must never hold the TUI up). */
const NOTIFY_TIMEOUT_MS = 30_000;

/** The variables a notify command gets; the summary is one sanitized line (it may quote the agent). */
export function notifyEnv(view: ProposalView): Record<string, string> {
  return {
    CLAUDE_BOTTLE_SLUG: view.slug,
    CLAUDE_BOTTLE_TOOL: view.proposal.tool,
    CLAUDE_BOTTLE_PROPOSAL_ID: view.proposal.id,
    CLAUDE_BOTTLE_SUMMARY: oneLine(
      `${view.proposal.tool} in ${view.slug}: ${proposalSummary(view, 200)}`,
      200,
    ),
  };
}

/**
 * Runs the operator's `--notify-cmd` through `sh -c` for one new proposal. Agent text reaches
 * it only through the environment, never the command line. Its output never reaches the
 * terminal the TUI owns; a failure is reported, never thrown.
 */
export async function runNotify(
  command: string,
  env: NodeJS.ProcessEnv,
  view: ProposalView,
): Promise<{ ok: true } | { ok: false; message: string }> {
  try {
    const result = await execa('sh', ['-c', command], {
      env: { ...env, ...notifyEnv(view) },
      extendEnv: false,
      stdin: 'ignore',
      stdout: 'ignore',
      stderr: 'pipe',
      reject: false,
      timeout: NOTIFY_TIMEOUT_MS,
    });
    if (result.exitCode === 0) return { ok: true };
    const why = result.timedOut
      ? `timed out after ${NOTIFY_TIMEOUT_MS / 1000}s`
      : `exit ${result.exitCode ?? result.signal}`;
    const said = String(result.stderr ?? '')
      .trim()
      .split('\n')
      .at(-1);
    return { ok: false, message: `${why}${said ? `: ${said}` : ''}` };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}

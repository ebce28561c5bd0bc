import { fileURLToPath } from 'node:url';
import { replaceSection } from '../benchmarks-doc.js';
import { fmtMs, fmtRatio, median, p90 } from '../start/stats.js';
import type { InboxSample } from './inbox.js';
import type { RebuildSample } from './rebuild.js';
import type { RemediationSample } from './remediation.js';

const DOC = fileURLToPath(new URL('../../docs/benchmarks.md', import.meta.url));

export interface SupervisorResults {
  inbox: InboxSample[];
  remediation: RemediationSample[];
  rebuilds: RebuildSample[];
  machine: string;
}

export async function writeSupervisorSection(results: SupervisorResults): Promise<void> {
  const { inbox, remediation, rebuilds } = results;
  const col = <T>(rows: T[], pick: (row: T) => number) => rows.map(pick);
  const row = (what: string, values: number[], target: string, baseline?: number[]) =>
    `| ${what} | ${fmtMs(median(values))} | ${fmtMs(p90(values))} | ${target} | ${
      baseline ? `${fmtMs(median(baseline))} (${fmtRatio(median(values) / median(baseline))})` : '–'
    } |`;
  const retriesOk = remediation.filter((r) => r.retryStatus === '200').length;
  const section = `## Supervisor

\`npm run bench:supervisor\` (${inbox.length} inbox rounds, ${remediation.length} approve rounds
after a warm-up, ${rebuilds.length} rebuilds after two warm-up builds), on a real bottle with
the SDK's MCP client in the agent container. ${results.machine}. Milliseconds; the baseline is
measured in the same rounds. The rounds are paced to the supervise server's limit of 30 new
proposals a minute per bottle (the waits are outside every timed span).

| what | p50 ms | p90 ms | target | baseline p50 (ratio) |
| --- | --- | --- | --- | --- |
${row(
  'proposal file written → listed by the TUI model (watcher + snapshot)',
  col(inbox, (s) => s.modelMs),
  '≤ 250',
  col(inbox, (s) => s.bareWatcherMs),
)}
${row(
  'approve → routes written, SIGHUP, reload confirmed (decision written)',
  col(remediation, (s) => s.applyMs),
  '–',
)}
${row(
  "approve → the agent's tool call returns approved",
  col(remediation, (s) => s.answerMs),
  '≤ 250',
  col(remediation, (s) => s.rejectAnswerMs),
)}
${row(
  'capability rebuild: approve → decision (warm cache: a tag hit)',
  col(rebuilds, (s) => s.toDecisionMs),
  '–',
)}
${row(
  'capability rebuild: decision → agent back up on the new image',
  col(rebuilds, (s) => s.decisionToAgentUpMs),
  '≤ 15000',
)}

- Baselines: for the inbox, a bare chokidar watcher on the same folder seeing the same file
  (the supervisor's watcher adds a 30 ms debounce so a burst is read once, then reads the
  bottle's snapshot: the queue, decisions and the live files the diffs are against); for
  the answer, a reject of the same kind of proposal (no engine work: the decision file and the
  MCP server's 100 ms poll only), so the ratio is what applying and confirming the routes adds.
- The agent's retry right after each approval got HTTP 200 in ${retriesOk} of ${remediation.length} rounds.
- For scale: NVIDIA OpenShell's design target is 2 s to the inbox and 1 s to propagate a
  change (its sandbox polls every 10 s).
`;
  await replaceSection(DOC, 'Supervisor', section);
  process.stdout.write(section);
}

/** The table the demo ends with: one row per step, then the verdict. */
export interface StepResult {
  n: number;
  title: string;
  ok: boolean;
  ms: number;
  /** The decisions taken in the step, or why it failed. */
  detail: string;
}

export function renderSummary(results: StepResult[], expected: number): string {
  const rows = results.map((r) => [
    r.n ? String(r.n) : '-',
    r.ok ? 'ok' : 'FAILED',
    `${(r.ms / 1000).toFixed(1)} s`,
    r.title,
    r.detail,
  ]);
  const head = ['step', 'result', 'latency', 'what', 'decisions / why'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const missing = expected - results.filter((r) => r.n > 0).length;
  const ok = missing <= 0 && results.every((r) => r.ok);
  return [
    line(head),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
    ok
      ? `all ${expected} steps passed`
      : `FAILED: ${results.filter((r) => !r.ok).length} step(s) failed${missing > 0 ? `, ${missing} not reached` : ''}`,
  ].join('\n');
}

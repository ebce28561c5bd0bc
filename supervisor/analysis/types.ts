import { oneLine } from '../../lib/terminal-safe.js';

/**
 * What the supervisor's own analysis says about a proposal before the operator decides: each
 * finding a level, a stable code and one line of reason. Computed here from the proposal and
 * the live files, never taken from the agent.
 */
export const ANALYSIS_LEVELS = ['danger', 'caution', 'info'] as const;
export type AnalysisLevel = (typeof ANALYSIS_LEVELS)[number];

export interface AnalysisFinding {
  level: AnalysisLevel;
  /** Stable and greppable, e.g. `credential-reach`, `pipe-to-shell`. */
  code: string;
  /** One line; agent-written parts are quoted through `quote` (safe and bounded). */
  reason: string;
}

export function finding(level: AnalysisLevel, code: string, reason: string): AnalysisFinding {
  return { level, code, reason };
}

/** Agent-written text inside a reason: one line, made terminal-safe, cut to `width`. */
export function quote(text: string, width = 80): string {
  return oneLine(text, width);
}

/** `a, b, c (+4 more)`: a bounded list for a reason. */
export function listOf(items: Iterable<string>, max = 4): string {
  const all = [...items];
  const shown = all.slice(0, max).join(', ');
  return all.length > max ? `${shown} (+${all.length - max} more)` : shown;
}

/** Most serious first; the order within a level is the order found. */
export function bySeverity(findings: readonly AnalysisFinding[]): AnalysisFinding[] {
  const rank = (f: AnalysisFinding) => ANALYSIS_LEVELS.indexOf(f.level);
  return findings
    .map((f, i) => ({ f, i }))
    .sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i)
    .map(({ f }) => f);
}

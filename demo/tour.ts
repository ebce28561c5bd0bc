import { readFile } from 'node:fs/promises';

/**
 * The five steps as the summary shows them, and how the scripted model's transcript tells where
 * the agent is: each step is entered by the first of its script steps and passed when the next
 * step's first script step runs (the tour's script: tests/fixtures/scripted-model/scripts/demo-tour.ts).
 */
export interface TourStep {
  n: number;
  title: string;
  /** The script step that starts it; the next step's `enters` (or `done`) passes it. */
  enters: string;
  /** How the operator decides each tool this step raises. */
  decisions: Partial<
    Record<string, { verdict: 'approve' | 'reject'; reason: string; key: string }>
  >;
}

export const TOUR: TourStep[] = [
  {
    n: 1,
    title: 'an allowed request succeeds with a credential the agent never sees',
    enters: 's1-hello',
    decisions: {},
  },
  {
    n: 2,
    title: 'unlisted path → egress-proxy-block → approved → live reload → retry ok',
    enters: 's2-other',
    decisions: {
      'egress-proxy-block': { verdict: 'approve', reason: 'the demo needs /other', key: 'a' },
    },
  },
  {
    n: 3,
    title: 'token in a request → held → egress-token-allow → rejected → refused',
    enters: 's3-token',
    decisions: {
      'egress-token-allow': { verdict: 'reject', reason: 'no token leaves this bottle', key: 'r' },
    },
  },
  {
    n: 4,
    title: 'secret in a push → git-gate refuses → gitleaks-allow → approved → lands',
    enters: 's4-commit',
    decisions: {
      'gitleaks-allow': { verdict: 'approve', reason: 'a made-up token in the demo', key: 'a' },
    },
  },
  {
    n: 5,
    title: 'capability-block adds jq → rebuild → package, work and session kept',
    enters: 's5-wip',
    decisions: {
      'capability-block': { verdict: 'approve', reason: 'jq for the demo', key: 'a' },
    },
  },
];

export interface TranscriptEntry {
  step: string | null;
  kind: string;
  /** When the model answered (ISO time). */
  at?: string;
  turn?: { assistantTurns: number };
}

/**
 * The rebuilt agent must continue the session, not start a new one: its first request re-sends
 * every earlier turn (the tour has made at least this many model turns by step 5).
 */
export const RESUMED_MIN_TURNS = 10;

export async function readTranscript(file: string): Promise<TranscriptEntry[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as TranscriptEntry);
}

export interface Position {
  state: 'running' | 'failed' | 'done';
  /** The step the agent is in (1-based; 0 before the first), or TOUR.length + 1 when done. */
  step: number;
  /** When each step was entered (index n), and when the tour ended (index TOUR.length + 1). */
  at: number[];
  why?: string;
}

/** Where the tour stands, from the script steps the model has answered with so far. */
export function position(entries: TranscriptEntry[]): Position {
  const at: number[] = [];
  let step = 0;
  for (const entry of entries.filter((e) => e.kind === 'agent-loop')) {
    const name = entry.step;
    const time = entry.at ? Date.parse(entry.at) : Date.now();
    const entered = name === 'done' ? TOUR.length : TOUR.findIndex((s) => s.enters === name);
    if (entered + 1 > step) {
      step = entered + 1;
      at[step] = time;
    }
    if (name === 's5-resumed' && (entry.turn?.assistantTurns ?? 0) < RESUMED_MIN_TURNS)
      return {
        state: 'failed',
        step,
        at,
        why: `the rebuilt agent began a new session (${entry.turn?.assistantTurns ?? 0} earlier turns)`,
      };
    if (name === 'done') return { state: 'done', step, at };
    if (name === null)
      return { state: 'failed', step, at, why: 'the model had no step for a turn' };
    if (name.endsWith('-failed'))
      return { state: 'failed', step, at, why: `the script ended at ${name}` };
  }
  return { state: 'running', step, at };
}

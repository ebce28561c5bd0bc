import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderSummary } from '../../../demo/summary.js';
import { position, RESUMED_MIN_TURNS, TOUR, type TranscriptEntry } from '../../../demo/tour.js';

const at = (s: number) => new Date(Date.UTC(2026, 11, 2, 12, 0, s)).toISOString();
const loop = (step: string | null, s: number, turns = 0): TranscriptEntry => ({
  step,
  kind: 'agent-loop',
  at: at(s),
  turn: { assistantTurns: turns },
});
const WHOLE = [
  loop('s1-hello', 0),
  { step: null, kind: 'side', at: at(1) },
  loop('s2-other', 2),
  loop('s2-read-routes', 3),
  loop('s2-propose', 4),
  loop('s2-retry', 9),
  loop('s3-token', 10),
  loop('s4-commit', 14),
  loop('s4-allow', 15),
  loop('s4-repush', 20),
  loop('s5-wip', 21),
  loop('s5-propose', 22),
  loop('s5-resumed', 40, 14),
  loop('done', 41, 15),
];

describe('demo tour position', () => {
  it('follows the script steps into tour steps, timed by the model’s clock', () => {
    const where = position(WHOLE);
    assert.equal(where.state, 'done');
    assert.equal(where.step, TOUR.length + 1);
    assert.deepEqual(
      where.at.slice(1).map((t) => (t - Date.parse(at(0))) / 1000),
      [0, 2, 10, 14, 21, 41],
    );
  });

  it('is running in the step the last entered one names; side calls do not count', () => {
    const where = position(WHOLE.slice(0, 5));
    assert.equal(where.state, 'running');
    assert.equal(where.step, 2);
  });

  it('fails on a -failed step, naming it, in the step it happened', () => {
    const where = position([...WHOLE.slice(0, 7), loop('s3-failed', 12)]);
    assert.equal(where.state, 'failed');
    assert.equal(where.step, 3);
    assert.match(where.why ?? '', /s3-failed/);
  });

  it('fails on a turn the script had no step for', () => {
    const where = position([loop('s1-hello', 0), loop(null, 1)]);
    assert.equal(where.state, 'failed');
    assert.match(where.why ?? '', /no step/);
  });

  it('fails when the rebuilt agent starts a new session instead of continuing', () => {
    const fresh = [...WHOLE.slice(0, 12), loop('s5-resumed', 40, RESUMED_MIN_TURNS - 1)];
    const where = position(fresh);
    assert.equal(where.state, 'failed');
    assert.match(where.why ?? '', /new session/);
  });
});

describe('demo summary', () => {
  const ok = (n: number) => ({ n, title: `step ${n}`, ok: true, ms: n * 1000, detail: '' });
  it('passes only when every step was reached and passed', () => {
    assert.match(renderSummary([1, 2, 3, 4, 5].map(ok), 5), /all 5 steps passed/);
    assert.match(renderSummary([1, 2, 3].map(ok), 5), /FAILED: 0 step\(s\) failed, 2 not reached/);
    const failed = [ok(1), { ...ok(2), ok: false, detail: 'no progress' }];
    const text = renderSummary(failed, 2);
    assert.match(text, /^2 +FAILED +2\.0 s +step 2 +no progress$/m);
    assert.match(text, /FAILED: 1 step\(s\) failed$/);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DETECTORS } from '../../../../images/egress-proxy/dlp/detectors.js';
import { LiteralPrefilter } from '../../../../images/egress-proxy/dlp/prefilter.js';

// The prefilter decides which regexes run at all, so it must never say "absent" wrongly.
const SETS = DETECTORS.map((detector) => detector.literals);
const naive = (text: string): boolean[] =>
  SETS.map((literals) => literals.some((literal) => text.includes(literal)));

/** A deterministic generator, so a failure reproduces. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe('LiteralPrefilter', () => {
  const prefilter = new LiteralPrefilter(SETS);

  it('agrees with a plain search on text built from literal fragments', () => {
    const next = random(7);
    const pieces = [...SETS.flat(), 'A', 'J', '_', '-', '.', 'x', ' ', 'T3', '----', 'ABC', 'gh'];
    for (let round = 0; round < 5000; round++) {
      let text = '';
      const count = Math.floor(next() * 12);
      for (let i = 0; i < count; i++) {
        const piece = pieces[Math.floor(next() * pieces.length)]!;
        // Cut pieces at random so near-misses (a literal minus one char) are common.
        text += next() < 0.5 ? piece : piece.slice(0, Math.floor(next() * piece.length));
      }
      assert.deepEqual(prefilter.present(text), naive(text), JSON.stringify(text));
    }
  });

  it('finds each literal at the very start and the very end of a text', () => {
    for (const literal of SETS.flat()) {
      for (const text of [literal, `${literal}zz`, `zz${literal}`]) {
        assert.deepEqual(prefilter.present(text), naive(text), text);
      }
    }
  });

  it('lists a literal inside every match of each detector pattern', () => {
    const samples = [
      `ghp_${'a1B2'.repeat(9)}`,
      `github_pat_${'A'.repeat(22)}`,
      `glcbt-${'x'.repeat(20)}`,
      `sk-ant-api03-${'Z'.repeat(40)}`,
      `sk-${'a'.repeat(20)}T3BlbkFJ${'b'.repeat(20)}`,
      'ACCAIOSFODNN7EXAMPLE',
      'xoxr-1234567890',
      `hooks.slack.com/services/T0000000/B0000000/${'c'.repeat(24)}`,
      `rk_test_${'4'.repeat(24)}`,
      `AIza${'S'.repeat(35)}`,
      `ya29.${'t'.repeat(30)}`,
      `npm_${'n'.repeat(36)}`,
      `hf_${'h'.repeat(34)}`,
      '-----BEGIN PRIVATE KEY-----',
    ];
    for (const sample of samples) {
      const matched = DETECTORS.filter((detector) => {
        detector.pattern.lastIndex = 0;
        return detector.pattern.test(sample);
      });
      assert.ok(matched.length > 0, `no detector matches ${sample}`);
      for (const detector of matched) {
        assert.ok(
          detector.literals.some((literal) => sample.includes(literal)),
          `${detector.name} matched ${sample} without one of its literals`,
        );
      }
    }
  });
});

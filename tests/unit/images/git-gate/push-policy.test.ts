import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PushPolicy } from '../../../../images/git-gate/policy.js';
import {
  checkRefUpdate,
  explainRefusals,
  isCiPath,
  matchesBranchPattern,
  type RefFacts,
} from '../../../../images/git-gate/push-policy.js';

const ZERO = '0'.repeat(40);
const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const DEFAULTS: PushPolicy = { force: false, delete: false, tags: false, ci_paths: false };
const FACTS: RefFacts = { defaultBranch: 'main', fastForward: true, ciPaths: [] };

function rule(
  ref: string,
  oldSha: string,
  newSha: string,
  policy: Partial<PushPolicy> = {},
  facts: Partial<RefFacts> = {},
) {
  return checkRefUpdate({ ...DEFAULTS, ...policy }, { ref, oldSha, newSha }, { ...FACTS, ...facts })
    ?.rule;
}

describe('push policy', () => {
  const table: Array<[string, string | undefined, () => string | undefined]> = [
    ['a new feature branch', undefined, () => rule('refs/heads/feature/x', ZERO, A)],
    ['a fast-forward of a feature branch', undefined, () => rule('refs/heads/feature/x', A, B)],
    ['the default branch', 'push.branches', () => rule('refs/heads/main', A, B)],
    [
      'any branch while the default branch is unknown',
      'push.branches',
      () => rule('refs/heads/x', A, B, {}, { defaultBranch: undefined }),
    ],
    [
      'a branch outside push.branches',
      'push.branches',
      () => rule('refs/heads/fix/x', ZERO, A, { branches: ['feature/*'] }),
    ],
    [
      'main when push.branches lists it',
      undefined,
      () => rule('refs/heads/main', A, B, { branches: ['main'] }),
    ],
    ['a force-push', 'push.force', () => rule('refs/heads/x', A, B, {}, { fastForward: false })],
    [
      'a force-push allowed by push.force',
      undefined,
      () => rule('refs/heads/x', A, B, { force: true }, { fastForward: false }),
    ],
    ['a deletion', 'push.delete', () => rule('refs/heads/x', A, ZERO)],
    [
      'a deletion allowed by push.delete',
      undefined,
      () => rule('refs/heads/x', A, ZERO, { delete: true }),
    ],
    [
      'deleting the default branch, even with push.delete',
      'push.branches',
      () => rule('refs/heads/main', A, ZERO, { delete: true }),
    ],
    ['a tag', 'push.tags', () => rule('refs/tags/v1', ZERO, A)],
    ['a tag allowed by push.tags', undefined, () => rule('refs/tags/v1', ZERO, A, { tags: true })],
    [
      'moving a tag',
      'push.force',
      () => rule('refs/tags/v1', A, B, { tags: true }, { fastForward: false }),
    ],
    [
      'CI configuration',
      'push.ci_paths',
      () => rule('refs/heads/x', ZERO, A, {}, { ciPaths: ['.github/workflows/x.yml'] }),
    ],
    [
      'CI configuration allowed by push.ci_paths',
      undefined,
      () => rule('refs/heads/x', ZERO, A, { ci_paths: true }, { ciPaths: ['.gitlab-ci.yml'] }),
    ],
    [
      'a ref outside branches and tags',
      'refs',
      () => rule('refs/notes/commits', ZERO, A, { tags: true }),
    ],
  ];
  for (const [name, expected, actual] of table) {
    it(`${expected ? 'refuses' : 'allows'} ${name}`, () => assert.equal(actual(), expected));
  }
});

describe('deletion of the default branch', () => {
  it('is judged by the delete rule first when deletes are off', () => {
    assert.equal(rule('refs/heads/main', A, ZERO), 'push.delete');
  });
});

describe('matchesBranchPattern', () => {
  const table: Array<[string, string, boolean]> = [
    ['feature/*', 'feature/x', true],
    ['feature/*', 'feature/x/y', false],
    ['feature/**', 'feature/x/y', true],
    ['agent-*', 'agent-1', true],
    ['main', 'main', true],
    ['main', 'mainline', false],
    ['a.b', 'aXb', false],
  ];
  for (const [pattern, branch, expected] of table) {
    it(`${pattern} ${expected ? 'matches' : 'does not match'} ${branch}`, () => {
      assert.equal(matchesBranchPattern(pattern, branch), expected);
    });
  }
});

describe('isCiPath', () => {
  for (const path of [
    '.github/workflows/ci.yml',
    '.gitlab-ci.yml',
    '.gitea/workflows/x.yaml',
    '.circleci/config.yml',
    'Jenkinsfile',
  ]) {
    it(`counts ${path}`, () => assert.equal(isCiPath(path), true));
  }
  for (const path of ['src/.github/workflows/x.yml', 'docs/ci.md', '.github/CODEOWNERS']) {
    it(`does not count ${path}`, () => assert.equal(isCiPath(path), false));
  }
});

describe('explainRefusals', () => {
  it('names each ref, its rule and where the policy is', () => {
    const text = explainRefusals(
      'origin',
      [{ ref: 'refs/heads/main', rule: 'push.branches', reason: 'protected' }],
      '/etc/p.json',
    );
    assert.match(text, /refs\/heads\/main: rule push\.branches: protected/);
    assert.match(text, /\/etc\/p\.json/);
  });
});

import type { PushPolicy } from './policy.js';

export const ZERO_SHA = /^0+$/;

/** One line of pre-receive input: `<old> <new> <ref>`. */
export interface RefUpdate {
  oldSha: string;
  newSha: string;
  ref: string;
}

/** What the gate learned about a ref update from the repository before judging it. */
export interface RefFacts {
  /** The upstream's default branch (the mirror's HEAD), when known. */
  defaultBranch: string | undefined;
  /** old is an ancestor of new; only meaningful for an update of an existing ref. */
  fastForward: boolean;
  /** Paths the pushed commits add, change or delete that configure CI. */
  ciPaths: string[];
}

/** Why a ref update was refused: the rule (as spelled in git-policy.json) and a sentence. */
export interface Refusal {
  ref: string;
  rule: string;
  reason: string;
}

/** Files and folders whose content a CI system runs with the repository's secrets. */
const CI_PATH_PREFIXES = [
  '.github/workflows/',
  '.github/actions/',
  '.gitea/workflows/',
  '.gitea/actions/',
  '.forgejo/workflows/',
  '.forgejo/actions/',
  '.gitlab/ci/',
  '.circleci/',
  '.buildkite/',
  '.woodpecker/',
  '.azure-pipelines/',
  '.tekton/',
];
const CI_FILES = new Set([
  '.gitlab-ci.yml',
  '.gitlab-ci.yaml',
  '.travis.yml',
  '.drone.yml',
  '.woodpecker.yml',
  '.woodpecker.yaml',
  'Jenkinsfile',
  'azure-pipelines.yml',
  'azure-pipelines.yaml',
  'bitbucket-pipelines.yml',
  'appveyor.yml',
  '.appveyor.yml',
  'cloudbuild.yaml',
  'cloudbuild.yml',
]);

export function isCiPath(path: string): boolean {
  return CI_FILES.has(path) || CI_PATH_PREFIXES.some((prefix) => path.startsWith(prefix));
}

/** `*` matches within one path segment, `**` across segments; everything else is literal. */
export function matchesBranchPattern(pattern: string, branch: string): boolean {
  const source = pattern
    .split(/(\*\*|\*)/)
    .map((part) =>
      part === '**' ? '.*' : part === '*' ? '[^/]*' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('');
  return new RegExp(`^${source}$`).test(branch);
}

/** Judges one ref update against a remote's push policy; undefined means allowed. */
export function checkRefUpdate(
  policy: PushPolicy,
  update: RefUpdate,
  facts: RefFacts,
): Refusal | undefined {
  const { ref } = update;
  const refuse = (rule: string, reason: string): Refusal => ({ ref, rule, reason });
  const isDelete = ZERO_SHA.test(update.newSha);
  const isCreate = ZERO_SHA.test(update.oldSha);
  const isTag = ref.startsWith('refs/tags/');
  if (!isTag && !ref.startsWith('refs/heads/')) {
    return refuse('refs', 'only branches (refs/heads/*) and tags (refs/tags/*) can be pushed');
  }
  if (isTag && !policy.tags) return refuse('push.tags', 'pushing tags is off for this remote');
  if (isDelete && !policy.delete)
    return refuse('push.delete', 'deleting refs is off for this remote');
  if (!isTag) {
    const branch = ref.slice('refs/heads/'.length);
    if (policy.branches !== undefined) {
      if (!policy.branches.some((pattern) => matchesBranchPattern(pattern, branch))) {
        return refuse(
          'push.branches',
          `branch "${branch}" matches none of ${policy.branches.join(', ')}`,
        );
      }
    } else if (facts.defaultBranch === undefined || branch === facts.defaultBranch) {
      // Unknown default branch: every branch could be it, so none is pushable (fail closed).
      return refuse(
        'push.branches',
        facts.defaultBranch === undefined
          ? "the upstream's default branch is unknown, so no branch is pushable without push.branches"
          : `"${branch}" is the upstream's default branch, which is protected; push a feature branch and open a pull request`,
      );
    }
  }
  if (isDelete) return undefined;
  if (!isCreate && !facts.fastForward && !policy.force) {
    return refuse(
      'push.force',
      isTag ? 'moving an existing tag rewrites history' : 'this is not a fast-forward (force-push)',
    );
  }
  if (!policy.ci_paths && facts.ciPaths.length > 0) {
    return refuse(
      'push.ci_paths',
      `the pushed commits change CI configuration: ${facts.ciPaths.slice(0, 5).join(', ')}`,
    );
  }
  return undefined;
}

/** The text the pushing agent reads when refs were refused by policy. */
export function explainRefusals(
  remoteName: string,
  refusals: Refusal[],
  policyFile: string,
): string {
  const lines = [
    `git-gate: push to "${remoteName}" refused by its push policy; nothing was sent upstream.`,
  ];
  for (const refusal of refusals)
    lines.push(`  ${refusal.ref}: rule ${refusal.rule}: ${refusal.reason}`);
  lines.push(
    `The policy is in ${policyFile} (read-only). If you need it changed, ask the operator; ` +
      'the gate will not relax it for a push.',
  );
  return `${lines.join('\n')}\n`;
}

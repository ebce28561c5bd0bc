import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { after, describe, it } from 'node:test';
import { runCliCaptured, type CliRun } from '../../../helpers/cli.js';
import { tempTree, type TempTree } from '../../../helpers/temp-home.js';
import { exampleCases, FIXTURES, TRICKY, type Case } from './check-means-start.cases.js';

// `manifest check` accepts a bottle+agent exactly when `start --dry-run` gets through with it:
// nothing a check lets pass may die later in start, and nothing start refuses may be blamed on
// the engine or printed as a raw zod dump. Dry runs need no engine and resolve no secret.
const trees: TempTree[] = [];
after(() => Promise.all(trees.map((t) => t.remove())));

function assertClean(run: CliRun, what: string): void {
  const all = run.stdout + run.stderr;
  assert.doesNotMatch(all, /INTERNAL/, `${what} printed INTERNAL:\n${all}`);
  assert.doesNotMatch(
    all,
    /"code":|invalid_type|invalid_union|"path":\s*\[/,
    `${what} printed a zod dump:\n${all}`,
  );
}

async function runCase(c: Case) {
  const tree = await tempTree(c.files);
  trees.push(tree);
  const env = {
    ...process.env,
    CLAUDE_BOTTLE_HOME: tree.path('home'),
    DOCKER_HOST: 'unix:///nonexistent/docker.sock',
  };
  const cwd = tree.path('repo');
  const check = await runCliCaptured(['manifest', 'check'], { env, cwd });
  const start = await runCliCaptured(
    ['start', c.agent, '--dry-run', ...(c.bottle ? ['--bottle', c.bottle] : [])],
    { env, cwd },
  );
  const states = await readdir(tree.path('home/state')).catch(() => [] as string[]);
  return { check, start, states };
}

describe('manifest check accepts ⇔ start --dry-run succeeds', async () => {
  for (const c of [...(await exampleCases()), ...FIXTURES, ...TRICKY]) {
    it(c.name, async () => {
      const { check, start, states } = await runCase(c);
      assertClean(check, 'manifest check');
      assertClean(start, 'start --dry-run');
      if (c.refused === undefined) {
        assert.equal(check.code, 0, `check refused:\n${check.stderr}`);
        assert.equal(start.code, 0, `check accepted but start failed:\n${start.stderr}`);
      } else {
        assert.equal(check.code, 65, `check accepted:\n${check.stdout}`);
        assert.match(check.stderr, c.refused);
        assert.equal(
          start.code,
          65,
          `start did not refuse it as a manifest error:\n${start.stderr}`,
        );
        assert.match(start.stderr, /^error\[MANIFEST_INVALID\]/);
        assert.deepEqual(states, [], 'a refused manifest leaves no state dir behind');
      }
    });
  }
});

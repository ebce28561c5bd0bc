import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { runCliCaptured } from '../../../helpers/cli.js';
import { tempTree, type TempTree } from '../../../helpers/temp-home.js';

const trees: TempTree[] = [];
after(() => Promise.all(trees.map((t) => t.remove())));

describe('doctor: cached provider CLIs', () => {
  it('lists name, version and architecture from the cache alone', async () => {
    const tree = await tempTree({
      'home/cache/provider-claude/2.1.333-x64/anthropic-ai-claude-code-linux-x64-2.1.333.tgz': 'x',
      'home/cache/provider-codex/0.171.0-arm64/openai-codex-0.171.0-linux-arm64.tgz': 'x',
      'home/cache/provider-codex/0.170.0-x64.tmp-00ff/half.tgz': 'x',
      'home/cache/provider-codex/0.169.0-x64/README': 'no tarball: not cached',
    });
    trees.push(tree);
    // No engine and an unreachable registry: the line must still be there.
    const run = await runCliCaptured(['doctor'], {
      env: {
        ...process.env,
        CLAUDE_BOTTLE_HOME: tree.path('home'),
        DOCKER_HOST: 'unix:///nonexistent/docker.sock',
        npm_config_registry: 'http://127.0.0.1:9/',
      },
    });
    assert.match(
      run.stdout,
      /^ok {4}cli {6}cached: claude 2\.1\.333 \(linux-x64\), codex 0\.171\.0 \(linux-arm64\)$/m,
    );
  });

  it('says so when nothing is cached', async () => {
    const tree = await tempTree();
    trees.push(tree);
    const run = await runCliCaptured(['doctor'], {
      env: {
        ...process.env,
        CLAUDE_BOTTLE_HOME: tree.path('home'),
        DOCKER_HOST: 'unix:///nonexistent/docker.sock',
      },
    });
    assert.match(run.stdout, /^ok {4}cli {6}no provider CLI cached yet/m);
  });
});

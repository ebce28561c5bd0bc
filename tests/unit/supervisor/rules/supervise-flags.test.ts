import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runCliCaptured } from '../../../helpers/cli.js';
import { tempTree, type TempTree } from '../../../helpers/temp-home.js';

// `supervise --no-tui` flags and config, through the real CLI in-process (nothing is watched:
// each case fails before the watcher starts).

let tree: TempTree;
const cli = (...argv: string[]) =>
  runCliCaptured(argv, {
    env: { ...process.env, CLAUDE_BOTTLE_HOME: tree.path('home') },
    cwd: tree.root,
  });

describe('supervise --no-tui: flags and config', () => {
  before(async () => {
    tree = await tempTree({
      'home/config.yaml':
        'supervisor:\n  rules:\n    - name: x\n      tool: capability-block\n      hosts: [a.b.test]\n      methods: [GET]\n',
    });
  });
  after(() => tree.remove());

  it('--verbose without --no-tui is a usage error', async () => {
    const run = await cli('supervise', '--verbose');
    assert.equal(run.code, 64, run.stderr);
    assert.match(run.stderr, /--verbose is for --no-tui/);
  });

  it('--notify-cmd with --no-tui is a usage error', async () => {
    const run = await cli('supervise', '--no-tui', '--notify-cmd', 'true');
    assert.equal(run.code, 64, run.stderr);
    assert.match(run.stderr, /--notify-cmd is for the TUI/);
  });

  it('an invalid rule stops --no-tui before it watches anything', async () => {
    const run = await cli('supervise', '--no-tui');
    assert.equal(run.code, 78, run.stderr);
    assert.match(
      run.stderr,
      /error\[CONFIG_INVALID\]: .*config\.yaml:4 supervisor\.rules\[0\]\.tool: tool "capability-block" cannot be decided by a rule/,
    );
    assert.match(run.stderr, /hint: .*Operator rules/);
    assert.equal(run.stdout, '');
  });

  it('--help documents --no-tui', async () => {
    const run = await cli('supervise', '--help');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /--no-tui {10}no screen, no terminal needed/);
  });
});

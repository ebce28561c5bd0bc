import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { execa } from 'execa';

// The installed shape: `npx claude-bottle` runs bin/claude-bottle.js on the compiled dist/.
const root = fileURLToPath(new URL('../../', import.meta.url));

describe('the claude-bottle binary', () => {
  it('runs from the built package', async () => {
    assert.ok(
      existsSync(`${root}dist/launcher/cli.js`),
      'dist/ is missing: run `npm run build` first',
    );
    const version = await execa('npx', ['--no-install', 'claude-bottle', '--version'], {
      cwd: root,
      reject: false,
    });
    assert.equal(version.exitCode, 0, version.stderr);
    assert.match(version.stdout, /^claude-bottle \d+\.\d+\.\d+$/);
  });

  it('exits with the manifest check status and prints JSON', async () => {
    const ok = await execa('node', ['bin/claude-bottle.js', 'manifest', 'check', '--json'], {
      cwd: root,
      env: { CLAUDE_BOTTLE_HOME: 'examples' },
      reject: false,
    });
    assert.equal(ok.exitCode, 0, ok.stderr);
    const report = JSON.parse(ok.stdout) as { bottles: unknown[]; agents: unknown[] };
    assert.ok(report.bottles.length >= 1 && report.agents.length >= 2);
    const bad = await execa('node', ['bin/claude-bottle.js', 'no-such-verb'], {
      cwd: root,
      reject: false,
    });
    assert.equal(bad.exitCode, 64);
    assert.match(bad.stderr, /^error\[USAGE\]: unknown command "no-such-verb"/);
  });

  // The bin runs the esbuild bundle: each verb's code is a chunk loaded on use, and dockerode's
  // SSH and BuildKit pieces stay in node_modules. A chunk that fails to load shows up here.
  it('runs verbs from the CLI bundle, loading their chunks', async () => {
    assert.ok(existsSync(`${root}dist/cli/cli.mjs`), 'dist/cli/ is missing: run `npm run build`');
    const run = (argv: string[], env: Record<string, string> = {}) =>
      execa(
        'node',
        [
          '--input-type=module',
          '-e',
          `const { runCli } = await import(${JSON.stringify(`${root}dist/cli/cli.mjs`)}); process.exitCode = await runCli(${JSON.stringify(argv)});`,
        ],
        { cwd: root, env, reject: false },
      );
    const help = await run(['--help']);
    assert.equal(help.exitCode, 0, help.stderr);
    for (const verb of ['start', 'supervise', 'approve', 'list', 'doctor'])
      assert.match(help.stdout, new RegExp(`^  ${verb} `, 'm'));
    const list = await run(['list'], { CLAUDE_BOTTLE_HOME: `${root}examples` });
    assert.equal(list.exitCode, 0, list.stderr);
    assert.match(list.stdout, /no bottles yet/);
    const check = await run(['manifest', 'check', '--json'], {
      CLAUDE_BOTTLE_HOME: `${root}examples`,
    });
    assert.equal(check.exitCode, 0, check.stderr);
    assert.ok((JSON.parse(check.stdout) as { bottles: unknown[] }).bottles.length >= 1);
    const startHelp = await run(['start', '--help']);
    assert.equal(startHelp.exitCode, 0, startHelp.stderr);
    assert.match(startHelp.stdout, /--detach/);
  });
});

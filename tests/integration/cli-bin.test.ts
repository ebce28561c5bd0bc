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
});

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { RESUME_PROMPT } from '../../../launcher/plan/agent-runtime.js';

// The image's start-agent.sh decides at each start whether the bottle's session is continued.
// What is under test is that decision and the argument list it builds, so `claude` and `codex`
// here only print the arguments they were given; the real CLIs run it in tests/e2e/providers/.
const SCRIPT = fileURLToPath(new URL('../../../images/agent/start-agent.sh', import.meta.url));
const run = promisify(execFile);

let dir: string;
let home: string;
let bin: string;

async function start(...args: string[]): Promise<{ cli: string; argv: string[]; stdin: string }> {
  const pending = run('bash', [SCRIPT, ...args], {
    env: {
      PATH: `${bin}:/usr/bin:/bin`,
      HOME: home,
      CODEX_HOME: join(home, '.codex'),
      CLAUDE_BOTTLE_PROMPT_FILE: join(dir, 'prompt.md'),
    },
  });
  // What the CLI would read if the script let it: a headless Codex must get none of it.
  pending.child.stdin?.on('error', () => {}); // a refused start exits before reading it
  pending.child.stdin?.end('stdin the CLI must not read');
  const { stdout } = await pending;
  return JSON.parse(stdout) as { cli: string; argv: string[]; stdin: string };
}

describe('start-agent.sh', () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cb-start-agent-'));
    home = join(dir, 'home');
    bin = join(dir, 'bin');
    await mkdir(bin, { recursive: true });
    await mkdir(home, { recursive: true });
    await writeFile(join(dir, 'prompt.md'), 'You are a "test" agent.\n');
    for (const cli of ['claude', 'codex']) {
      const file = join(bin, cli);
      await writeFile(
        file,
        `#!/usr/bin/env node\nlet stdin = '';\ntry { stdin = require('fs').readFileSync(0, 'utf8'); } catch {}\nprocess.stdout.write(JSON.stringify({ cli: ${JSON.stringify(cli)}, argv: process.argv.slice(2), stdin }));\n`,
      );
      await chmod(file, 0o755);
    }
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('starts a new headless Claude Code session with the task', async () => {
    const { cli, argv } = await start(
      'claude',
      '--model',
      'm1',
      '--allowed-tools',
      'mcp__supervise',
      '--prompt',
      'Do it.',
      '--resume-prompt',
      RESUME_PROMPT,
    );
    assert.equal(cli, 'claude');
    assert.ok(!argv.includes('--continue'));
    assert.deepEqual(argv.slice(argv.indexOf('-p'), argv.indexOf('-p') + 2), ['-p', 'Do it.']);
    for (const flag of [
      '--mcp-config',
      '--permission-mode',
      '--allowedTools',
      '--model',
      '--output-format',
    ])
      assert.ok(argv.includes(flag), `${flag} in ${argv.join(' ')}`);
    assert.equal(argv[argv.indexOf('--permission-mode') + 1], 'bypassPermissions');
    assert.equal(argv[argv.indexOf('--append-system-prompt') + 1], 'You are a "test" agent.');
  });

  it('continues the session transcript/ holds, with the resume prompt instead of the task', async () => {
    await mkdir(join(home, '.claude/projects/-workspace'), { recursive: true });
    await writeFile(join(home, '.claude/projects/-workspace/abc.jsonl'), '{}\n');
    const { argv } = await start('claude', '--prompt', 'Do it.', '--resume-prompt', RESUME_PROMPT);
    assert.ok(argv.includes('--continue'));
    assert.equal(argv[argv.indexOf('-p') + 1], RESUME_PROMPT);
    assert.ok(!argv.includes('Do it.'));
    // Interactive: continued, no prompt at all.
    const interactive = await start('claude');
    assert.ok(interactive.argv.includes('--continue'));
    assert.ok(!interactive.argv.includes('-p'));
  });

  it('runs Codex headless with no stdin, and resumes its last session once one exists', async () => {
    const fresh = await start(
      'codex',
      '--model',
      'm2',
      '--prompt',
      'Do it.',
      '--resume-prompt',
      RESUME_PROMPT,
    );
    assert.equal(fresh.cli, 'codex');
    assert.deepEqual(fresh.argv, [
      'exec',
      '--json',
      '--skip-git-repo-check',
      '--dangerously-bypass-approvals-and-sandbox',
      '--model',
      'm2',
      'Do it.',
    ]);
    assert.equal(fresh.stdin, '');
    await mkdir(join(home, '.codex/sessions/2026/12/02'), { recursive: true });
    await writeFile(
      join(home, '.codex/sessions/2026/12/02/rollout-2026-12-02T01-00-00-x.jsonl'),
      '{}\n',
    );
    const resumed = await start('codex', '--prompt', 'Do it.', '--resume-prompt', RESUME_PROMPT);
    assert.deepEqual(resumed.argv, [
      'exec',
      'resume',
      '--last',
      '--json',
      '--skip-git-repo-check',
      '--dangerously-bypass-approvals-and-sandbox',
      RESUME_PROMPT,
    ]);
    const interactive = await start('codex');
    assert.deepEqual(interactive.argv, [
      'resume',
      '--last',
      '--dangerously-bypass-approvals-and-sandbox',
    ]);
  });

  it('refuses an unknown provider or option with usage exit 64', async () => {
    for (const args of [['gemini'], ['claude', '--yolo']]) {
      await assert.rejects(start(...args), (error: { code?: number; stderr?: string }) => {
        assert.equal(error.code, 64);
        assert.match(error.stderr ?? '', /start-agent: unknown/);
        return true;
      });
    }
  });
});

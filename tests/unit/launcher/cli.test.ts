import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { COMMANDS } from '../../../launcher/commands/index.js';
import { runCliCaptured } from '../../helpers/cli.js';
import { tempTree, type TempTree } from '../../helpers/temp-home.js';

const trees: TempTree[] = [];
after(() => Promise.all(trees.map((t) => t.remove())));

describe('CLI dispatch and exit codes', () => {
  it('prints the verbs and exits 64 with no arguments, 0 with --help', async () => {
    const bare = await runCliCaptured([]);
    assert.equal(bare.code, 64);
    const help = await runCliCaptured(['--help']);
    assert.equal(help.code, 0);
    for (const command of COMMANDS) assert.ok(help.stdout.includes(command.name), command.name);
  });

  for (const command of COMMANDS) {
    it(`"${command.name} --help" prints its own usage`, async () => {
      const run = await runCliCaptured([...command.name.split(' '), '--help']);
      assert.equal(run.code, 0);
      assert.match(run.stdout, new RegExp(`^usage: claude-bottle ${command.name}`));
    });
  }

  it('refuses an unknown verb with 64 and a pointer to --help', async () => {
    const run = await runCliCaptured(['launch']);
    assert.equal(run.code, 64);
    assert.match(
      run.stderr,
      /error\[USAGE\]: unknown command "launch"\n {2}hint: run `claude-bottle --help`/,
    );
  });

  it('refuses a group without its subcommand', async () => {
    const run = await runCliCaptured(['manifest']);
    assert.equal(run.code, 64);
    assert.match(run.stderr, /"manifest" needs a subcommand: manifest check/);
  });

  it('refuses an unknown flag with 64', async () => {
    const run = await runCliCaptured(['manifest', 'check', '--jsn']);
    assert.equal(run.code, 64);
    assert.match(run.stderr, /error\[USAGE\]: manifest check: Unknown option '--jsn'/);
  });

  it('manifest check exits 0 on the examples and lists a bottle and two agents', async () => {
    const run = await runCliCaptured(['manifest', 'check', '--json'], {
      env: { ...process.env, CLAUDE_BOTTLE_HOME: 'examples' },
    });
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as {
      bottles: { name: string }[];
      agents: { name: string; source: string }[];
      errors: unknown[];
    };
    assert.ok(report.bottles.some((b) => b.name === 'dev'));
    assert.ok(report.agents.filter((a) => a.source === 'home').length >= 2);
    assert.deepEqual(report.errors, []);
  });

  it('manifest check exits 65 and lists every problem', async () => {
    const tree = await tempTree({
      'home/bottles/a.md': '---\nssh: {}\n---\n',
      'home/bottles/b.md': '---\nagent_provider: gpt\n---\n',
      'repo/.claude-bottle/agents/c.md': '---\nsecrets: {}\n---\n',
    });
    trees.push(tree);
    const run = await runCliCaptured(['manifest', 'check'], {
      env: { ...process.env, CLAUDE_BOTTLE_HOME: tree.path('home') },
      cwd: tree.path('repo'),
    });
    assert.equal(run.code, 65);
    assert.match(run.stderr, /error\[MANIFEST_INVALID\]: 3 problem\(s\)/);
    assert.match(run.stderr, /a\.md:2 ssh: "ssh:" is an old shape → use "git:"/);
    assert.match(run.stderr, /b\.md:2 agent_provider: /);
    assert.match(run.stderr, /c\.md:2 secrets: an agent from the working directory may not set/);
    const json = await runCliCaptured(['manifest', 'check', '--json'], {
      env: { ...process.env, CLAUDE_BOTTLE_HOME: tree.path('home') },
      cwd: tree.path('repo'),
    });
    assert.equal(json.code, 65);
    assert.equal((JSON.parse(json.stdout) as { errors: unknown[] }).errors.length, 3);
  });

  it('doctor names the engine it could not reach and exits 69', async () => {
    const run = await runCliCaptured(['doctor'], {
      env: { ...process.env, DOCKER_HOST: 'unix:///nonexistent/docker.sock' },
    });
    assert.equal(run.code, 69);
    assert.match(
      run.stdout,
      /FAIL {2}engine {3}error\[DOCKER_UNAVAILABLE\]: no Docker engine answers at unix:\/\/\/nonexistent\/docker\.sock/,
    );
    assert.match(run.stdout, /fix: start Docker Desktop/);
  });
});

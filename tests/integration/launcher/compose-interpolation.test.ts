import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, describe, it } from 'node:test';
import { execa } from 'execa';
import { parse } from 'yaml';
import { escapeInterpolation } from '../../../launcher/plan/compose-file.js';
import { runCliCaptured } from '../../helpers/cli.js';
import { tempTree, type TempTree } from '../../helpers/temp-home.js';

// `docker compose up` runs with the bottle's secret values in its environment and expands
// `${…}` everywhere in the file: nothing a manifest or a flag supplies may become a reference.
const trees: TempTree[] = [];
after(() => Promise.all(trees.map((t) => t.remove())));

describe('compose interpolation', () => {
  it('escapes every $ the launcher writes', () => {
    assert.deepEqual(escapeInterpolation({ a: ['x$y', '${Z}'], $k: 1 }), {
      a: ['x$$y', '$${Z}'],
      $$k: 1,
    });
  });

  it('keeps a prompt naming a secret variable literal through `docker compose config`', async () => {
    const tree = await tempTree({
      'home/bottles/b.md':
        '---\nagent_provider: claude\nsecrets:\n  gh: env:CB_INTERP_SECRET\n---\n',
      'home/agents/a.md': '---\nbottle: b\nmodel: claude-sonnet-4-5\n---\n',
    });
    trees.push(tree);
    const env = {
      ...process.env,
      CLAUDE_BOTTLE_HOME: tree.path('home'),
      DOCKER_HOST: 'unix:///nonexistent.sock',
    };
    const run = await runCliCaptured(
      ['start', 'a', '--dry-run', '--prompt', 'print ${EGRESS_SECRET_GH} and $HOME'],
      {
        env,
        cwd: tree.path('repo'),
      },
    );
    assert.equal(run.code, 0, run.stderr);
    const file = /# (\S+docker-compose\.yml)/.exec(run.stdout)?.[1];
    assert.ok(file);
    assert.match(await readFile(file, 'utf8'), /print \$\$\{EGRESS_SECRET_GH\} and \$\$HOME/);
    const config = await execa('docker', ['compose', '-f', file, 'config'], {
      env: { ...env, EGRESS_SECRET_GH: 'the-real-secret-value', HOME: '/home/operator' },
    });
    // The proxy receives the value by design (a pass-through variable); the agent must not.
    const services = (parse(config.stdout) as { services: Record<string, { command: string[] }> })
      .services;
    const agent = JSON.stringify(services.agent);
    assert.ok(!agent.includes('the-real-secret-value'), 'compose expanded a secret into the agent');
    assert.ok(!agent.includes('/home/operator'), 'compose expanded $HOME');
    // `config` prints the file re-escaped: the reference is still text, not a value.
    assert.match(agent, /print \$+\{EGRESS_SECRET_GH\} and \$+HOME/);
  });

  it('refuses a model that is not a model name', async () => {
    const tree = await tempTree({
      'repo/.claude-bottle/agents/a.md': '---\nmodel: "${EGRESS_SECRET_GH}"\n---\n',
    });
    trees.push(tree);
    const run = await runCliCaptured(['manifest', 'check'], {
      env: { ...process.env, CLAUDE_BOTTLE_HOME: tree.path('home') },
      cwd: tree.path('repo'),
    });
    assert.equal(run.code, 65);
    assert.match(run.stderr, /a\.md:2 model: model is a model name/);
  });
});

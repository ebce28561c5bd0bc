import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { createDocker } from '../../../launcher/docker.js';
import { startBottle } from '../../../launcher/start.js';
import { BottleError } from '../../../lib/errors.js';
import { runCliCaptured } from '../../helpers/cli.js';
import { assertDockerAvailable, dockerSuite } from '../../helpers/docker.js';
import { tempTree, type TempTree } from '../../helpers/temp-home.js';

// Every way `start` can fail ends with a clear error, no containers and no networks left, and
// (once a state dir exists) status "failed" with the reason.
let tree: TempTree;
let env: NodeJS.ProcessEnv;
const cli = (...argv: string[]) => runCliCaptured(argv, { env, cwd: tree.path('repo') });

async function leftovers(): Promise<string[]> {
  const slugs = await readdir(tree.path('home/state')).catch(() => [] as string[]);
  const found: string[] = [];
  for (const slug of slugs) {
    const ps = await execa('docker', [
      'ps',
      '-aq',
      '--filter',
      `label=com.docker.compose.project=cb-${slug}`,
    ]);
    const nets = await execa('docker', ['network', 'ls', '-q', '--filter', `name=cb-${slug}-`]);
    found.push(
      ...ps.stdout.split('\n').filter(Boolean),
      ...nets.stdout.split('\n').filter(Boolean),
    );
  }
  return found;
}

async function onlyMetadata(): Promise<{ status: string; reason: string | null }> {
  const slugs = await readdir(tree.path('home/state'));
  assert.equal(slugs.length, 1, `expected one state dir, found ${slugs.join(', ')}`);
  return JSON.parse(await readFile(tree.path(`home/state/${slugs[0]}/metadata.json`), 'utf8')) as {
    status: string;
    reason: string | null;
  };
}

describe('start failures', dockerSuite, () => {
  before(() => {
    assertDockerAvailable();
  });

  async function freshHome(files: Record<string, string>) {
    await tree?.remove();
    tree = await tempTree(files);
    env = { ...process.env, CLAUDE_BOTTLE_HOME: tree.path('home') };
  }

  after(async () => {
    for (const slug of await readdir(tree.path('home/state')).catch(() => [] as string[])) {
      await execa(
        'docker',
        ['compose', '-f', tree.path(`home/state/${slug}/docker-compose.yml`), 'down', '-v'],
        { reject: false },
      );
    }
    await tree?.remove();
  });

  it('a bad manifest: exit 65 naming the file and line, nothing created', async () => {
    await freshHome({
      'home/bottles/b.md': '---\nagent_provider: none\ntokens: {a: b}\n---\n',
      'home/agents/a.md': '---\nbottle: b\n---\n',
    });
    const run = await cli('start', 'a', '--detach');
    assert.equal(run.code, 65);
    assert.match(
      run.stderr,
      /error\[MANIFEST_INVALID\]: bottle "b" is invalid:\n.*b\.md:3 tokens: "tokens" is an old shape/,
    );
    assert.deepEqual(await readdir(tree.path('home/state')).catch(() => []), []);
  });

  it('a missing secret: exit 78 naming the variable, nothing created', async () => {
    await freshHome({
      'home/bottles/b.md':
        '---\nagent_provider: none\nsecrets:\n  gh: env:CB_TEST_SURELY_UNSET\n---\n',
      'home/agents/a.md': '---\nbottle: b\n---\n',
    });
    const run = await cli('start', 'a', '--detach');
    assert.equal(run.code, 78);
    assert.match(
      run.stderr,
      /error\[SECRET_MISSING\]: bottle "b": secret "gh" \(env:CB_TEST_SURELY_UNSET\) is not set in the environment\n {2}hint: export CB_TEST_SURELY_UNSET=/,
    );
    assert.deepEqual(await readdir(tree.path('home/state')).catch(() => []), []);
  });

  it('an engine that does not answer: exit 69 with the fix', async () => {
    await freshHome({
      'home/bottles/b.md': '---\nagent_provider: none\n---\n',
      'home/agents/a.md': '---\nbottle: b\n---\n',
    });
    const run = await runCliCaptured(['start', 'a', '--detach'], {
      env: { ...env, DOCKER_HOST: 'unix:///nonexistent/docker.sock' },
      cwd: tree.path('repo'),
    });
    assert.equal(run.code, 69);
    assert.match(
      run.stderr,
      /error\[DOCKER_UNAVAILABLE\]: no Docker engine answers at unix:\/\/\/nonexistent\/docker\.sock\n {2}hint: start Docker/,
    );
  });

  it('an image that fails to build: exit 70, status failed, no containers', async () => {
    await freshHome({
      'home/bottles/b.md': '---\nagent_provider: none\ndockerfile: broken.Dockerfile\n---\n',
      'home/bottles/broken.Dockerfile':
        'ARG AGENT_IMAGE\nFROM ${AGENT_IMAGE}\nRUN echo "this step fails on purpose" && exit 3\n',
      'home/agents/a.md': '---\nbottle: b\n---\n',
    });
    const run = await cli('start', 'a', '--detach');
    assert.equal(run.code, 70, run.stderr);
    assert.match(
      run.stderr,
      /error\[IMAGE_BUILD_FAILED\]: building claude-bottle\/agent-custom:[0-9a-f]+ failed: .*returned a non-zero code: 3/,
    );
    assert.match(run.stderr, /this step fails on purpose/);
    const metadata = await onlyMetadata();
    assert.equal(metadata.status, 'failed');
    assert.match(metadata.reason ?? '', /IMAGE_BUILD_FAILED|non-zero code: 3/);
    assert.deepEqual(await leftovers(), []);
  });

  it('Ctrl-C while the containers come up: torn down, status failed', async () => {
    await freshHome({
      'home/bottles/b.md': '---\nagent_provider: none\n---\n',
      'home/agents/a.md': '---\nbottle: b\n---\n',
    });
    const controller = new AbortController();
    const started = startBottle(
      { agent: 'a', dryRun: false },
      {
        env,
        cwd: tree.path('repo'),
        signal: controller.signal,
        docker: createDocker(env),
        progress: (line) => {
          if (line.startsWith('starting ')) setTimeout(() => controller.abort(), 300);
        },
      },
    );
    await assert.rejects(
      started,
      (error: BottleError) => error.code === 'START_FAILED' && /interrupted/.test(error.message),
    );
    const metadata = await onlyMetadata();
    assert.equal(metadata.status, 'failed');
    assert.match(metadata.reason ?? '', /interrupted/);
    assert.deepEqual(await leftovers(), []);
  });
});

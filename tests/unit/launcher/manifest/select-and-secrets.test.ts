import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import {
  loadManifests,
  resolveSecrets,
  selectAgentAndBottle,
} from '../../../../launcher/manifest/index.js';
import { BottleError } from '../../../../lib/errors.js';
import { tempTree, type TempTree } from '../../../helpers/temp-home.js';

const trees: TempTree[] = [];
after(() => Promise.all(trees.map((t) => t.remove())));

async function setup() {
  const tree = await tempTree({
    'home/bottles/dev.md':
      '---\nsecrets:\n  gh: env:CB_TEST_GH\n  npm: file:npm-token\ngit:\n  user: {name: Bottle, email: bottle@x.test}\n---\n',
    'home/agents/claims.md': '---\nbottle: dev\ngit:\n  user: {email: agent@x.test}\n---\n',
    'home/agents/plain.md': '---\n---\n',
    'home/agents/broken.md': '---\nbottle: [\n---\n',
  });
  trees.push(tree);
  const set = await loadManifests({ home: tree.path('home'), cwd: tree.path('repo') });
  return { tree, set };
}

describe('selecting an agent and its bottle', () => {
  it('overlays the bottle git.user with the agent claim', async () => {
    const { set } = await setup();
    const selection = selectAgentAndBottle(set, 'claims', undefined);
    assert.equal(selection.bottle.name, 'dev');
    assert.deepEqual(selection.gitUser, { name: 'Bottle', email: 'agent@x.test' });
  });

  it('needs --bottle when the agent names none', async () => {
    const { set } = await setup();
    assert.throws(() => selectAgentAndBottle(set, 'plain', undefined), /names no bottle/);
    assert.equal(selectAgentAndBottle(set, 'plain', 'dev').bottle.name, 'dev');
  });

  it('reports an invalid agent with its problems and an unknown one as not found', async () => {
    const { set } = await setup();
    assert.throws(
      () => selectAgentAndBottle(set, 'broken', 'dev'),
      (error: BottleError) =>
        error.code === 'MANIFEST_INVALID' && /broken\.md:\d/.test(error.message),
    );
    assert.throws(
      () => selectAgentAndBottle(set, 'nobody', 'dev'),
      (error: BottleError) =>
        error.code === 'NOT_FOUND' && /known agents: .*claims/.test(error.hint ?? ''),
    );
  });
});

describe('resolving secrets', () => {
  it('reads env and file sources, relative files beside the bottle', async () => {
    const { tree, set } = await setup();
    await tree.write('home/bottles/npm-token', 'npm-value\n');
    const bottle = set.bottles[0]!;
    const values = await resolveSecrets(bottle, { env: { CB_TEST_GH: 'gh-value' } });
    assert.equal(values.get('gh'), 'gh-value');
    assert.equal(values.get('npm'), 'npm-value');
  });

  it('names a missing secret and its source, never a value', async () => {
    const { set } = await setup();
    const bottle = set.bottles[0]!;
    await assert.rejects(
      resolveSecrets(bottle, { env: {} }),
      (error: BottleError) =>
        error.code === 'SECRET_MISSING' &&
        /secret "gh" \(env:CB_TEST_GH\) is not set/.test(error.message) &&
        /export CB_TEST_GH=/.test(error.hint ?? ''),
    );
    await assert.rejects(
      resolveSecrets(bottle, { env: { CB_TEST_GH: 'gh-value' } }),
      (error: BottleError) =>
        error.code === 'SECRET_MISSING' &&
        /"npm" \(file:npm-token\)/.test(error.message) &&
        !error.message.includes('gh-value'),
    );
  });
});

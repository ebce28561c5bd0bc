import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadScript } from '../../fixtures/scripted-model/script-file.js';

describe('loadScript', () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'cb-script-file-'))));
  after(() => rm(dir, { recursive: true, force: true }));

  it('loads builtins, with parameters', async () => {
    const script = await loadScript('builtin:egress-episode?url=https://x.test/y');
    assert.equal(script.name, 'egress-episode');
    const curl = script.steps.find((s) => s.name === 'curl');
    assert.match(JSON.stringify(curl?.reply), /https:\/\/x\.test\/y/);
    await assert.rejects(
      loadScript('builtin:nope'),
      /no builtin script "nope"; builtins: echo-hello, egress-episode/,
    );
  });

  it('loads a JSON script and refuses a typo with the key path', async () => {
    const file = join(dir, 'ok.json');
    const steps = [
      {
        name: 'a',
        when: { first_turn: true },
        reply: { tool_use: { name: 'Bash', input: { command: 'ls' } } },
      },
    ];
    await writeFile(file, JSON.stringify({ name: 'ok', steps }));
    assert.deepEqual((await loadScript(file)).steps, steps);
    const bad = join(dir, 'bad.json');
    await writeFile(
      bad,
      JSON.stringify({
        name: 'bad',
        steps: [{ name: 'a', when: { frist_turn: true }, reply: { text: '' } }],
      }),
    );
    await assert.rejects(loadScript(bad), /steps\.0\.when: Unrecognized key/);
  });

  it('loads an ES module whose default export is a script', async () => {
    const file = join(dir, 'script.mjs');
    await writeFile(
      file,
      "export default { name: 'mod', steps: [{ name: 'a', when: () => true, reply: { text: 'hi' } }] };\n",
    );
    assert.equal((await loadScript(file)).name, 'mod');
  });
});

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { loadManifests } from '../../../../launcher/manifest/index.js';
import { formatYamlIssue } from '../../../../lib/yaml-schema.js';
import { tempTree, type TempTree } from '../../../helpers/temp-home.js';

const trees: TempTree[] = [];
after(() => Promise.all(trees.map((t) => t.remove())));

/** home/ and repo/ side by side; cwd is repo/. */
async function load(files: Record<string, string>) {
  const tree = await tempTree(files);
  trees.push(tree);
  const set = await loadManifests({ home: tree.path('home'), cwd: tree.path('repo') });
  return { set, tree, text: set.errors.map(formatYamlIssue).join('\n') };
}

const bottle = (yaml: string, body = '') => `---\n${yaml}\n---\n${body}`;

describe('manifest loading', () => {
  it('loads a valid bottle and agent, the body becoming the prompt', async () => {
    const { set } = await load({
      'home/bottles/dev.md': bottle(
        'agent_provider: none\nsecrets:\n  gh: env:GH_TOKEN\negress:\n  routes:\n    - host: api.github.com\n      auth: {header: Authorization, scheme: Bearer, secret: gh}',
      ),
      'home/agents/coder.md': bottle('bottle: dev\nmodel: m1', 'You write code.\n'),
    });
    assert.deepEqual(set.errors, []);
    assert.equal(set.bottles[0]?.name, 'dev');
    assert.deepEqual(set.bottles[0]?.config.secrets.gh, { kind: 'env', name: 'GH_TOKEN' });
    assert.equal(set.bottles[0]?.config.egress.routes[0]?.dlp, true);
    assert.equal(set.agents[0]?.prompt, 'You write code.');
    assert.equal(set.agents[0]?.source, 'home');
  });

  const stale: [string, string, RegExp][] = [
    ['ssh', 'ssh:\n  key: file:~/.ssh/id', /dev\.md:2 ssh: "ssh:" is an old shape → use "git:"/],
    ['cred_proxy', 'cred_proxy:\n  routes: []', /dev\.md:2 cred_proxy: .*use "egress\.routes"/],
    ['tokens', 'tokens:\n  gh: x', /dev\.md:2 tokens: .*"egress\.routes"/],
    [
      'role on a route',
      'egress:\n  routes:\n    - host: a.test\n      role: github',
      /dev\.md:5 egress\.routes\[0\]\.role: "role" is reserved/,
    ],
    [
      'auth_scheme',
      'egress:\n  routes:\n    - host: a.test\n      auth_scheme: none',
      /dev\.md:5 egress\.routes\[0\]\.auth_scheme: .*omit "auth"/,
    ],
    [
      'auth: {}',
      'egress:\n  routes:\n    - host: a.test\n      auth: {}',
      /dev\.md:5 egress\.routes\[0\]\.auth: "auth: \{\}" is not allowed/,
    ],
  ];
  for (const [name, yaml, expected] of stale) {
    it(`refuses the stale shape ${name} with a pointer to the new one`, async () => {
      const { set, text } = await load({ 'home/bottles/dev.md': bottle(yaml) });
      assert.equal(set.bottles.length, 0);
      assert.match(text, expected);
    });
  }

  it('refuses unknown keys with a did-you-mean, at their line', async () => {
    const { text } = await load({
      'home/bottles/dev.md': bottle('agent_provider: none\nsecretz:\n  a: env:A'),
    });
    assert.match(text, /dev\.md:3 secretz: unknown key "secretz" → did you mean "secrets"\?/);
  });

  it('reports broken YAML with its line', async () => {
    const { text } = await load({
      'home/bottles/dev.md': bottle('agent_provider: none\negress:\n  routes: [\n    - host'),
    });
    assert.match(text, /dev\.md:\d+ \(top level\): invalid YAML/);
    const line = Number(/dev\.md:(\d+)/.exec(text)?.[1]);
    assert.ok(line >= 3, `line ${line} should point into the front matter`);
  });

  it('refuses a file without front matter', async () => {
    const { text } = await load({ 'home/agents/a.md': 'just text' });
    assert.match(text, /a\.md:1 \(top level\): no YAML front matter/);
  });

  it('refuses secret sources written into a route', async () => {
    const { text } = await load({
      'home/bottles/dev.md': bottle(
        'egress:\n  routes:\n    - host: a.test\n      auth: {header: Authorization, secret: "env:GH"}',
      ),
    });
    assert.match(text, /egress\.routes\[0\]\.auth\.secret: a secret name is/);
  });

  it('refuses references to undeclared secrets, naming the path and line', async () => {
    const { text } = await load({
      'home/bottles/dev.md': bottle(
        'secrets:\n  gh: env:GH\negress:\n  routes:\n    - host: a.test\n      auth: {header: Authorization, secret: npm}\ngit:\n  remotes:\n    - {name: origin, url: "git@h.test:a/b.git", identity: key}',
      ),
    });
    assert.match(
      text,
      /dev\.md:7 egress\.routes\[0\]\.auth\.secret: route a\.test names secret "npm", which is not declared/,
    );
    assert.match(text, /git\.remotes\[0\]\.identity: remote origin names secret "key"/);
  });

  it('refuses bad secret sources', async () => {
    const { text } = await load({
      'home/bottles/dev.md': bottle('secrets:\n  a: GH_TOKEN\n  b: env:1X\n  c: "file:"'),
    });
    assert.match(text, /secrets\.a: a secret source is env:NAME or file:PATH/);
    assert.match(text, /secrets\.b: "env:1X" names no valid environment variable/);
    assert.match(text, /secrets\.c: "file:" names no file/);
  });

  it('refuses two remotes with one name', async () => {
    const { text } = await load({
      'home/bottles/dev.md': bottle(
        'git:\n  remotes:\n    - {name: origin, url: "https://h.test/a.git"}\n    - {name: origin, url: "https://h.test/b.git"}',
      ),
    });
    assert.match(text, /git\.remotes\[1\]\.name: remote "origin" is declared twice/);
  });

  it('never reads a bottle from the working directory', async () => {
    const { set } = await load({
      'home/bottles/dev.md': bottle('agent_provider: none'),
      'repo/.claude-bottle/bottles/evil.md': bottle('agent_provider: none'),
      'repo/.claude-bottle/bottles/dev.md': bottle('agent_provider: claude'),
    });
    assert.deepEqual(
      set.bottles.map((b) => [b.name, b.config.agent_provider]),
      [['dev', 'none']],
    );
    assert.deepEqual(set.errors, []);
  });

  it('refuses a cwd agent that shadows a home agent, naming both files', async () => {
    const { set, text, tree } = await load({
      'home/agents/coder.md': bottle('model: a'),
      'repo/.claude-bottle/agents/coder.md': bottle('model: b'),
    });
    assert.equal(set.agents.length, 1);
    assert.equal(set.agents[0]?.source, 'home');
    assert.ok(text.includes(tree.path('repo/.claude-bottle/agents/coder.md')));
    assert.ok(text.includes(`also defined in ${tree.path('home/agents/coder.md')}`));
  });

  for (const field of [
    'bottle: dev',
    'secrets:\n  a: env:A',
    'egress:\n  routes: []',
    'git:\n  user: {name: x}',
  ]) {
    const key = field.split(':')[0]!;
    it(`refuses a cwd agent that sets ${key}`, async () => {
      const { set, text } = await load({ 'repo/.claude-bottle/agents/a.md': bottle(field) });
      assert.equal(set.agents.length, 0);
      assert.match(
        text,
        new RegExp(`a\\.md:2 ${key}: an agent from the working directory may not set "${key}"`),
      );
    });
  }

  it('accepts a cwd agent setting prompt, model and tools', async () => {
    const { set } = await load({
      'repo/.claude-bottle/agents/a.md': bottle('model: m\ntools: [Read]', 'Prompt.'),
    });
    assert.deepEqual(set.errors, []);
    assert.equal(set.agents[0]?.source, 'cwd');
  });

  it('reads the home once when the working directory holds it', async () => {
    const tree = await tempTree({
      'repo/.claude-bottle/agents/a.md': bottle('bottle: dev'),
      'repo/.claude-bottle/bottles/dev.md': bottle('agent_provider: none'),
    });
    trees.push(tree);
    const set = await loadManifests({
      home: tree.path('repo/.claude-bottle'),
      cwd: tree.path('repo'),
    });
    assert.deepEqual(set.errors, []);
    assert.deepEqual(
      set.agents.map((a) => [a.name, a.source]),
      [['a', 'home']],
    );
    assert.equal(set.bottles.length, 1);
  });

  it('refuses an agent naming a bottle that does not exist', async () => {
    const { text } = await load({ 'home/agents/a.md': bottle('bottle: nope') });
    assert.match(text, /a\.md:2 bottle: bottle "nope" does not exist/);
  });

  it('refuses file names that are not valid names', async () => {
    const { text } = await load({ 'home/agents/Bad Name.md': bottle('') });
    assert.match(text, /"Bad Name" is not a valid name/);
  });
});

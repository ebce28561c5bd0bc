import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The manifests check-means-start.test.ts runs through both `manifest check` and a dry run. */
const EXAMPLES = fileURLToPath(new URL('../../../../examples/', import.meta.url));
const AGENT = '---\nbottle: b\n---\nPrompt.\n';
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

export interface Case {
  name: string;
  /** Relative path under the temp root → contents; bottles and agents go under home/. */
  files: Record<string, string>;
  agent: string;
  bottle?: string;
  /** undefined: both must accept; a pattern: both must refuse and check's output must match. */
  refused?: RegExp;
}

const bottleCase = (name: string, front: string, refused?: RegExp, extra = {}): Case => ({
  name,
  files: {
    'home/bottles/b.md': `---\n${front}\n---\nNotes.\n`,
    'home/agents/a.md': AGENT,
    ...extra,
  },
  agent: 'a',
  refused,
});

export async function exampleCases(): Promise<Case[]> {
  const files: Record<string, string> = {};
  for (const kind of ['bottles', 'agents']) {
    for (const file of await readdir(join(EXAMPLES, kind)))
      files[`home/${kind}/${file}`] = await readFile(join(EXAMPLES, kind, file), 'utf8');
  }
  const names = (kind: string) =>
    Object.keys(files)
      .filter((path) => path.startsWith(`home/${kind}/`))
      .map((path) => path.slice(`home/${kind}/`.length, -'.md'.length));
  return names('agents').flatMap((agent) =>
    names('bottles').map((bottle) => ({
      name: `examples: ${agent} in ${bottle}`,
      files,
      agent,
      bottle,
    })),
  );
}

// The shapes the other suites start bottles with (e2e fixtures, dry-run, compose tests).
export const FIXTURES: Case[] = [
  bottleCase(
    'fixture: the supervised bottle (tests/e2e/supervisor/fixture.ts)',
    'agent_provider: none\nsecrets:\n  upstream: env:CB_E2E_UPSTREAM_TOKEN\negress:\n  upstream_ca: test-ca.crt\n  routes:\n    - host: api.example.test\n      paths: [/hello]\n      methods: [GET]\n      auth: { header: Authorization, scheme: Bearer, secret: upstream }\n      private: true',
    undefined,
    { 'home/bottles/test-ca.crt': PEM },
  ),
  bottleCase(
    'fixture: the remote bottle (tests/e2e/launcher/bottle-with-remote.test.ts)',
    'agent_provider: none\nsecrets:\n  deploy: file:/nonexistent/deploy-key\ngit:\n  user: { name: Bottle Agent, email: agent@bottle.test }\n  remotes:\n    - name: origin\n      url: ssh://git@upstream.test:2222/srv/repo.git\n      identity: deploy\n      extra_hosts: { upstream.test: 172.17.0.1 }',
  ),
  bottleCase(
    'fixture: a custom Dockerfile (tests/e2e/launcher/custom-dockerfile.test.ts)',
    'agent_provider: none\ndockerfile: agent.Dockerfile',
    undefined,
    { 'home/bottles/agent.Dockerfile': 'ARG AGENT_IMAGE\nFROM ${AGENT_IMAGE}\nRUN true\n' },
  ),
  bottleCase(
    'fixture: supervise off (tests/unit/launcher/plan/dry-run.test.ts)',
    'agent_provider: none\nsupervise: { enabled: false }',
  ),
  bottleCase(
    'fixture: claude with a secret (tests/integration/launcher/compose-interpolation.test.ts)',
    'agent_provider: claude\nsecrets:\n  gh: env:CB_INTERP_SECRET',
  ),
  bottleCase(
    'fixture: an old shape (tests/e2e/launcher/start-failures.test.ts)',
    'agent_provider: none\ntokens: {a: b}',
    /b\.md:3 tokens: "tokens" is an old shape/,
  ),
];

const remote = (fields: string) =>
  `agent_provider: none\nsecrets:\n  key: env:CB_UNSET_KEY\ngit:\n  remotes:\n    - { name: origin, identity: key, ${fields} }`;
const provider = (value: string) => `agent_provider: ${value}`;

export const TRICKY: Case[] = [
  bottleCase(
    'a route with a grant (made only by an operator in a running bottle)',
    "egress:\n  routes:\n    - host: api.example.test\n      grant: {id: g-123456789abc, expires_at: '2026-12-04T10:00:00Z'}",
    /egress\.routes\[0\]\.grant: grant is made by an operator/,
  ),
  bottleCase(
    'a remote URL with user:password@',
    remote('url: "https://bot:hunter2@git.example.test/a/b.git"'),
    /b\.md:7 git\.remotes\[0\]\.url: url must be .*no credentials/,
  ),
  bottleCase(
    'a remote URL with a token as user',
    remote('url: "https://ghp_abc@github.com/a/b.git"'),
    /git\.remotes\[0\]\.url: /,
  ),
  bottleCase(
    'an ssh URL with a password',
    remote('url: "ssh://git:pw@git.example.test/a.git"'),
    /git\.remotes\[0\]\.url: /,
  ),
  bottleCase(
    'a git:// remote',
    remote('url: "git://git.example.test/a.git"'),
    /git\.remotes\[0\]\.url: /,
  ),
  bottleCase('an scp-like remote', remote('url: "git@github.com:acme/widgets.git"')),
  bottleCase(
    'an https remote without credentials',
    remote('url: "https://github.com/acme/widgets.git"'),
  ),
  bottleCase(
    'extra_hosts naming a host instead of an IP',
    remote('url: "ssh://git@g.test/a.git", extra_hosts: { foo: not-an-ip }'),
    /git\.remotes\[0\]\.extra_hosts\.foo: an extra_hosts value is an IPv4 or IPv6 address/,
  ),
  bottleCase(
    'extra_hosts with a bad host name',
    remote('url: "ssh://git@g.test/a.git", extra_hosts: { "bad host!": 10.0.0.1 }'),
    /extra_hosts/,
  ),
  bottleCase(
    'extra_hosts with an IPv6 address',
    remote('url: "ssh://git@g.test/a.git", extra_hosts: { g.test: "fd00::5" }'),
  ),
  bottleCase(
    'a missing known_hosts file',
    remote('url: "ssh://git@g.test/a.git", known_hosts: "file:/nonexistent/known_hosts"'),
    /git\.remotes\[0\]\.known_hosts: \/nonexistent\/known_hosts does not exist/,
  ),
  bottleCase(
    'a known_hosts file that exists',
    remote('url: "ssh://git@g.test/a.git", known_hosts: "file:kh"'),
    undefined,
    { 'home/bottles/kh': 'g.test ssh-ed25519 AAAA\n' },
  ),
  bottleCase(
    'two remotes with one name',
    `${remote('url: "ssh://git@g.test/a.git"')}\n    - { name: origin, url: "ssh://git@g.test/b.git" }`,
    /declared twice/,
  ),
  bottleCase(
    'a missing Dockerfile',
    'agent_provider: none\ndockerfile: nope.Dockerfile',
    /b\.md:3 dockerfile: .*nope\.Dockerfile does not exist → create it/,
  ),
  bottleCase(
    'a missing upstream CA',
    'agent_provider: none\negress:\n  upstream_ca: ca.pem',
    /egress\.upstream_ca: .*ca\.pem does not exist/,
  ),
  bottleCase(
    'an undeclared route secret',
    'agent_provider: none\negress:\n  routes:\n    - { host: a.test, auth: { header: x-key, secret: nope } }',
    /names secret "nope"/,
  ),
  bottleCase(
    'an unset env secret (dry-run resolves none)',
    'agent_provider: claude\nauth_token: anthropic\nsecrets:\n  anthropic: env:CB_SURELY_UNSET_ANTHROPIC',
  ),
  bottleCase(
    'a claude gateway base_url',
    provider('{ name: claude, base_url: "https://llm.corp.example" }'),
  ),
  bottleCase(
    'a codex gateway base_url with a path and port',
    provider('{ name: codex, base_url: "https://gw.corp.example:8443/openai/v1/" }'),
  ),
  bottleCase(
    'a scripted-model base_url under .test',
    provider('{ name: claude, base_url: "https://model.test" }'),
  ),
  bottleCase(
    'an http base_url',
    provider('{ name: claude, base_url: "http://llm.corp.example" }'),
    /b\.md:2 agent_provider\.base_url: base_url must be https:\/\/ .*→ use https:\/\/llm\.corp\.example/,
  ),
  bottleCase(
    'an http base_url on localhost',
    provider('{ name: claude, base_url: "http://localhost:8080" }'),
    /base_url must be https/,
  ),
  bottleCase(
    'a base_url with credentials',
    provider('{ name: claude, base_url: "https://me:pw@llm.corp.example" }'),
    /base_url holds credentials/,
  ),
  bottleCase(
    'a base_url with a query',
    provider('{ name: claude, base_url: "https://llm.corp.example/?key=abc" }'),
    /base_url has a query/,
  ),
  bottleCase(
    'a base_url with a fragment',
    provider('{ name: claude, base_url: "https://llm.corp.example/#x" }'),
    /base_url has a fragment/,
  ),
  bottleCase(
    'a wildcard base_url host',
    provider('{ name: claude, base_url: "https://*.corp.example" }'),
    /base_url host .* is not a plain host name/,
  ),
  bottleCase(
    'a base_url host with an underscore',
    provider('{ name: claude, base_url: "https://llm_gw.corp.example" }'),
    /is not a plain host name/,
  ),
  bottleCase(
    'a base_url on an IPv6 literal',
    provider('{ name: claude, base_url: "https://[fd00::5]:8443" }'),
  ),
  bottleCase(
    'a base_url that is no URL',
    provider('{ name: claude, base_url: "llm.corp.example" }'),
    /is not a URL/,
  ),
  bottleCase('a pinned version', provider('{ name: claude, version: "2.1.333" }')),
  bottleCase(
    'a pinned pre-release version',
    provider('{ name: codex, version: "0.172.0-alpha.1" }'),
  ),
  bottleCase(
    'a version range',
    provider('{ name: claude, version: "^2.1.0" }'),
    /agent_provider\.version: version is an exact npm version/,
  ),
  bottleCase(
    'an unquoted two-part version',
    provider('{ name: claude, version: 2.1 }'),
    /agent_provider\.version: version is a quoted/,
  ),
  bottleCase(
    'a tag as version',
    provider('{ name: claude, version: latest }'),
    /agent_provider\.version: /,
  ),
  bottleCase(
    'base_url on provider none',
    provider('{ name: none, base_url: "https://x.example" }'),
    /agent_provider\.base_url: provider none runs no CLI/,
  ),
  bottleCase(
    'a typo in the long form',
    provider('{ name: claude, baseurl: "https://x.example" }'),
    /agent_provider\.baseurl: unknown key "baseurl" → did you mean "base_url"\?/,
  ),
  bottleCase(
    'the long form without a name',
    provider('{ base_url: "https://x.example" }'),
    /agent_provider has no name/,
  ),
  bottleCase(
    'an unknown provider',
    provider('gpt'),
    /b\.md:2 agent_provider: a provider is claude, codex or none/,
  ),
  bottleCase(
    'an unknown provider in the long form',
    provider('{ name: gpt }'),
    /agent_provider.*claude, codex or none/,
  ),
  bottleCase(
    'base_url at the top level',
    'agent_provider: claude\nbase_url: https://llm.corp.example',
    /b\.md:3 base_url: "base_url" belongs to the provider → agent_provider: \{name: claude/,
  ),
  bottleCase('the short form', provider('codex')),
];

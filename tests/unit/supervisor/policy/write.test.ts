import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RouteSchema, type Route } from '../../../../images/egress-proxy/routes/schema.js';
import { splitFrontMatter } from '../../../../launcher/manifest/front-matter.js';
import { BottleSchema, type Bottle } from '../../../../launcher/manifest/schema.js';
import { parseYamlWithSchema } from '../../../../lib/yaml-schema.js';
import {
  manifestWithRoutes,
  routesOfChangedHosts,
  unifiedDiff,
} from '../../../../supervisor/policy/write.js';

const route = (input: Record<string, unknown>): Route => RouteSchema.parse(input);
const GH = { header: 'Authorization', scheme: 'Bearer', secret: 'github' };

const MANIFEST = `---
description: Day-to-day work   # trailing comment
# Claude signs in through the proxy.
auth_token: anthropic
secrets:
  github: env:GITHUB_TOKEN
  anthropic: env:ANTHROPIC_API_KEY
egress:
  routes:
    # Read anything the token can read.
    - host: api.github.com
      methods: [GET, HEAD]
      auth: { header: Authorization, scheme: Bearer, secret: github }
    # Write only issues.
    - host: api.github.com
      paths: [/repos/acme/widgets/issues]
      methods: [POST]
      auth: { header: Authorization, scheme: Bearer, secret: github }
    # Install packages; publishing is a PUT and is not listed.
    - host: registry.npmjs.org
      methods: [GET, HEAD]
git:
  user: { name: Widgets Agent, email: agent@widgets.example }
---
The everyday bottle. Notes stay.
`;

const READ = route({ host: 'api.github.com', methods: ['GET', 'HEAD'], auth: GH });
const ISSUES = route({
  host: 'api.github.com',
  paths: ['/repos/acme/widgets/issues'],
  methods: ['POST'],
  auth: GH,
});

function config(text: string): Bottle {
  const split = splitFrontMatter(text);
  assert.ok(split.ok);
  const parsed = parseYamlWithSchema(split.value.yaml, BottleSchema, { file: 'dev.md' });
  assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.issues));
  return parsed.value;
}

const hostsOf = (bottle: Bottle): string[] => bottle.egress.routes.map((r) => r.host);

test('an added and a widened route: comments, layout and the body are kept', () => {
  const wider = route({
    host: 'api.github.com',
    paths: ['/repos/acme/'],
    methods: ['POST'],
    auth: GH,
  });
  const pypi = route({ host: 'pypi.org', methods: ['GET'] });
  const edit = manifestWithRoutes(MANIFEST, 'dev', [READ, wider, pypi]);
  assert.deepEqual(edit.hosts, ['api.github.com', 'pypi.org']);
  assert.deepEqual(edit.skipped, []);
  const before = MANIFEST.split('\n');
  const after = edit.text.split('\n');
  // Every line but the changed route's is still there, in order; the new route follows npm's.
  for (const line of before.filter((l) => !l.includes('/repos/acme/widgets/issues')))
    assert.ok(after.includes(line), `kept: ${line}`);
  assert.ok(edit.text.endsWith('---\nThe everyday bottle. Notes stay.\n'));
  assert.match(
    edit.text,
    / {4}# Write only issues\.\n {4}- host: api\.github\.com\n {6}paths: \[\/repos\/acme\/\]\n/,
  );
  assert.match(
    edit.text,
    /methods: \[GET, HEAD\]\n {4}- host: pypi\.org\n {6}methods: \[GET\]\ngit:/,
  );
  const bottle = config(edit.text);
  assert.deepEqual(bottle.egress.routes, [
    READ,
    wider,
    route({ host: 'registry.npmjs.org', methods: ['GET', 'HEAD'] }),
    pypi,
  ]);
});

test('routes the manifest already has change nothing', () => {
  const edit = manifestWithRoutes(MANIFEST, 'dev', [READ, ISSUES]);
  assert.equal(edit.text, MANIFEST);
  assert.deepEqual(edit.hosts, []);
  assert.equal(unifiedDiff(MANIFEST, edit.text, { from: 'a', to: 'b' }), '');
});

test("the provider's sign-in route is never written", () => {
  const signIn = route({
    host: 'api.anthropic.com',
    paths: ['/v1/', '/api/'],
    methods: ['GET', 'POST'],
    auth: { header: 'x-api-key', secret: 'anthropic' },
  });
  const edit = manifestWithRoutes(MANIFEST, 'dev', [signIn, route({ host: '*.anthropic.com' })]);
  assert.equal(edit.text, MANIFEST);
  assert.deepEqual(
    edit.skipped.map((s) => s.host),
    ['api.anthropic.com', '*.anthropic.com'],
  );
  assert.match(edit.skipped[0]!.why, /sign-in route/);
});

test('a bare grant key is stripped; a time-boxed grant is not written', () => {
  // Rules as the proxy's schema reads them from a live routes.yaml with grants.
  const granted = route({ host: 'pypi.org', methods: ['GET'], grant: { id: 'g-0001' } });
  const expiring = route({
    host: 'files.example.com',
    grant: { id: 'g-0002', expires_at: '2026-12-05T00:00:00Z' },
  });
  const counted = route({ host: 'once.example.com', grant: { id: 'g-0003', uses: 1 } });
  const edit = manifestWithRoutes(MANIFEST, 'dev', [granted, expiring, counted]);
  assert.doesNotMatch(edit.text, /grant|g-0001|files\.example|once\.example/);
  assert.match(edit.text, /- host: pypi\.org\n {6}methods: \[GET\]\n/);
  assert.deepEqual(
    edit.skipped.map((s) => [s.host, s.why]),
    [
      ['files.example.com', 'a time-boxed grant: it ends by itself'],
      ['once.example.com', 'a time-boxed grant: it ends by itself'],
    ],
  );
  assert.ok(hostsOf(config(edit.text)).includes('pypi.org'));
});

test('a removed host goes with the comment above it; non-default fields are spelled out', () => {
  const edit = manifestWithRoutes(
    MANIFEST,
    'dev',
    [route({ host: 'Example.TEST:8443', tls: 'passthrough', private: true, dlp: false })],
    { remove: ['registry.npmjs.org', 'never.example.com'] },
  );
  assert.doesNotMatch(edit.text, /Install packages|registry\.npmjs\.org/);
  assert.match(
    edit.text,
    /- host: example\.test:8443\n {6}tls: passthrough\n {6}private: true\n {6}dlp: false\n/,
  );
  assert.deepEqual(
    edit.skipped.map((s) => s.host),
    ['never.example.com'],
  );
  assert.deepEqual(hostsOf(config(edit.text)), [
    'api.github.com',
    'api.github.com',
    'example.test:8443',
  ]);
});

test('a route put between two of its host keeps their order (first match wins)', () => {
  const gist = route({ host: 'api.github.com', paths: ['/gists/'], methods: ['POST'], auth: GH });
  const edit = manifestWithRoutes(MANIFEST, 'dev', [READ, gist, ISSUES]);
  assert.deepEqual(config(edit.text).egress.routes.slice(0, 3), [READ, gist, ISSUES]);
  assert.match(
    edit.text,
    /# Read anything the token can read\.\n {4}- host: api\.github\.com\n {6}methods: \[GET, HEAD\]\n {6}auth: \{ header/,
  );
});

test('a manifest without egress gets egress.routes; removing every route leaves routes: []', () => {
  const bare = '---\n# a small bottle\nagent_provider: none\n---\n';
  const added = manifestWithRoutes(bare, 'small', [
    route({ host: 'api.example.test', methods: ['GET'] }),
  ]);
  assert.match(
    added.text,
    /^---\n# a small bottle\nagent_provider: none\negress:\n {2}routes:\n {4}- host: api\.example\.test\n/,
  );
  assert.deepEqual(hostsOf(config(added.text)), ['api.example.test']);
  const emptied = manifestWithRoutes(added.text, 'small', [], { remove: ['api.example.test'] });
  assert.deepEqual(config(emptied.text).egress.routes, []);
  assert.match(emptied.text, /# a small bottle/);
});

test('egress without routes, or with routes: [], gets the routes as lines of its own', () => {
  const pem =
    '---\negress:\n  upstream_ca: /ca.pem\ngit:\n  user: { name: W, email: a@b.c }\n---\n';
  const one = [route({ host: 'api.example.test' })];
  assert.equal(
    manifestWithRoutes(pem, 'x', one).text,
    '---\negress:\n  routes:\n    - host: api.example.test\n  upstream_ca: /ca.pem\ngit:\n  user: { name: W, email: a@b.c }\n---\n',
  );
  const empty = '---\negress:\n  routes: []  # none yet\n---\n';
  assert.equal(
    manifestWithRoutes(empty, 'x', one).text,
    '---\negress:\n  routes:  # none yet\n    - host: api.example.test\n---\n',
  );
});

test('a manifest that does not load is refused with its problems, not rewritten', () => {
  assert.throws(
    () =>
      manifestWithRoutes('---\negress: {routes: nope}\n---\n', 'bad', [READ], {
        file: '/h/bottles/bad.md',
      }),
    (error: Error & { code?: string }) =>
      error.code === 'MANIFEST_INVALID' &&
      /\/h\/bottles\/bad\.md:2 egress\.routes/.test(error.message),
  );
  assert.throws(
    () => manifestWithRoutes('no front matter', 'bad', [READ]),
    (error: Error & { code?: string }) => error.code === 'MANIFEST_INVALID',
  );
});

test('CRLF manifests stay CRLF', () => {
  const crlf = MANIFEST.replace(/\n/g, '\r\n');
  const edit = manifestWithRoutes(crlf, 'dev', [route({ host: 'pypi.org' })]);
  assert.doesNotMatch(edit.text.replace(/\r\n/g, ''), /\n/);
  assert.ok(hostsOf(config(edit.text)).includes('pypi.org'));
});

test('unifiedDiff labels both sides', () => {
  const diff = unifiedDiff('a\nb\n', 'a\nc\n', { from: 'old.md', to: 'new.md' });
  assert.equal(diff, '--- old.md\n+++ new.md\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n');
});

test('routesOfChangedHosts: every route of a changed host, and the hosts that are gone', () => {
  const npm = route({ host: 'registry.npmjs.org', methods: ['GET'] });
  const gone = route({ host: 'old.example.test' });
  const gist = route({ host: 'api.github.com', paths: ['/gists/'], methods: ['POST'], auth: GH });
  assert.deepEqual(routesOfChangedHosts([READ, npm, gone], [READ, gist, npm]), {
    routes: [READ, gist],
    remove: ['old.example.test'],
  });
  assert.deepEqual(routesOfChangedHosts([READ], [READ]), { routes: [], remove: [] });
});

import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { parseRoutes } from '../../../images/egress-proxy/routes/parse.js';
import type { Route } from '../../../images/egress-proxy/routes/schema.js';
import { runCli } from '../../../launcher/cli.js';
import { manifestSha256 } from '../../../launcher/manifest/digest.js';
import { loadManifests } from '../../../launcher/manifest/index.js';
import type { StateLayout } from '../../../launcher/state/layout.js';
import { routesYaml } from '../../../launcher/state/live-config.js';
import { readMetadata, updateMetadata } from '../../../launcher/state/metadata.js';
import { writeFileAtomic } from '../../../lib/atomic-write.js';
import { liveConfigPath } from '../../../lib/live-config.js';
import { readLive, replaceLiveConfig } from '../../../supervisor/engines/live-config-writer.js';
import { writeManifestChecked } from '../../../supervisor/policy/write.js';
import { runCliCaptured } from '../../helpers/cli.js';
import { makeStateDir, recordApproval } from '../../helpers/state-dir.js';
import { tempTree, type TempTree } from '../../helpers/temp-home.js';

const SLUG = 'dev-1a2b3c';
const ROUTES_ID = 'agent-20261124T215501Z-3f9a0c2b';
const LEAK_ID = 'agent-20261124T220000Z-0a1b2c3d';

const BOTTLE = `---
# the e2e bottle
secrets:
  gh: env:GH_TOKEN
egress:
  routes:
    # read the acme repos
    - host: api.github.com
      paths: [/repos/acme/]
      methods: [GET]
      auth: {header: Authorization, scheme: Bearer, secret: gh}
    # not live any more
    - host: old.example.test
      methods: [GET]
---
Notes for the operator.
`;

const LIVE = `routes:
  - host: api.github.com
    paths: [/repos/]
    methods: [GET]
    auth: {header: Authorization, scheme: Bearer, secret: gh}
  - host: pypi.org
    methods: [GET]
`;

/**
 * A bottle as start leaves it (live routes from the launcher's routesYaml(), the manifest's
 * sha256 in metadata.json), then one approved egress-proxy-block (widen github, add pypi, drop
 * old.example.test) and one approved gitleaks-allow. Items: 1 widened, 2 added, 3 removed,
 * 4 the allowlist entry.
 */
async function startedBottle(): Promise<{
  home: TempTree;
  env: NodeJS.ProcessEnv;
  layout: StateLayout;
}> {
  const home = await tempTree({ 'bottles/e2e.md': BOTTLE });
  const env = { ...process.env, CLAUDE_BOTTLE_HOME: home.root };
  const layout = await makeStateDir(home.root, SLUG);
  const set = await loadManifests({ home: home.root, cwd: home.root });
  const bottle = set.bottles.find((b) => b.name === 'e2e')!;
  await writeFileAtomic(liveConfigPath(layout.liveConfig, 'routes'), routesYaml(bottle));
  await writeFileAtomic(liveConfigPath(layout.liveConfig, 'gitleaksAllowlist'), '# allowed\n');
  await updateMetadata(layout.metadata, { manifest_sha256: manifestSha256(BOTTLE) });
  await recordApproval(layout, 'routes', LIVE, {
    proposal_id: ROUTES_ID,
    tool: 'egress-proxy-block',
    reason: 'needs every repo and pip',
    operator: 'ana',
  });
  // The allowlist entry is only in the file: no audit line credits it.
  const list = await readLive(layout, 'gitleaksAllowlist');
  await replaceLiveConfig(
    layout,
    'gitleaksAllowlist',
    `${list.text}# ${LEAK_ID} (2026-11-24T22:00:00.000Z)\nabc123:test/fixture.txt:generic-api-key:4\n`,
    { expectSha256: list.sha256 },
  );
  return { home, env, layout };
}

/** What the manifest in the home would start now: the launcher's own routesYaml(). */
async function plannedRoutes(home: TempTree): Promise<Route[]> {
  const set = await loadManifests({ home: home.root, cwd: home.root });
  assert.deepEqual(set.errors, []);
  const parsed = parseRoutes(routesYaml(set.bottles.find((b) => b.name === 'e2e')!));
  assert.ok(parsed.ok);
  return parsed.routes.routes;
}

function liveRoutes(): Route[] {
  const parsed = parseRoutes(LIVE);
  assert.ok(parsed.ok);
  return parsed.routes.routes;
}

const ofHosts = (routes: Route[], hosts: string[]): Route[] =>
  routes.filter((route) => hosts.includes(route.host));

test('policy diff --write puts the added and widened routes into the manifest; manifest check accepts it', async () => {
  const { home, env, layout } = await startedBottle();
  try {
    const file = home.path('bottles/e2e.md');
    // No terminal to ask on: the diff is shown, nothing is written.
    const asked = await runCliCaptured(['policy', 'diff', SLUG, '--write'], {
      env,
      cwd: home.root,
    });
    assert.equal(asked.code, 64, asked.stderr);
    assert.match(asked.stderr, /error\[USAGE\]: no terminal to ask "write .*e2e\.md\?" on/);
    assert.match(asked.stderr, /hint: add --yes/);
    assert.match(asked.stdout, /^\+ \[1\] route widened: api\.github\.com/m);
    assert.match(asked.stdout, /^- \[3\] route removed: old\.example\.test/m);
    assert.match(asked.stdout, /^\+ {4}- host: pypi\.org$/m);
    assert.equal(await readFile(file, 'utf8'), BOTTLE);

    const run = await runCliCaptured(['policy', 'diff', SLUG, '--write', '--yes'], {
      env,
      cwd: home.root,
    });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^- {6}paths: \[\/repos\/acme\/\]$/m);
    assert.match(run.stdout, /^\+ {6}paths: \[\/repos\/\]$/m);
    assert.match(run.stdout, /^wrote .*e2e\.md$/m);
    assert.match(run.stdout, /^manifest check: ok$/m);
    // The removed route was not chosen, so it is the one difference left.
    assert.match(
      run.stdout,
      /against live-config\/routes\.yaml: 1 difference\(s\)\n {2}- route removed: old\.example\.test/,
    );

    const written = await readFile(file, 'utf8');
    for (const kept of [
      '# the e2e bottle',
      '# read the acme repos',
      '# not live any more',
      'Notes for the operator.',
    ])
      assert.ok(written.includes(kept), kept);
    const check = await runCliCaptured(['manifest', 'check'], { env, cwd: home.root });
    assert.equal(check.code, 0, check.stderr);
    const chosen = ['api.github.com', 'pypi.org'];
    assert.deepEqual(ofHosts(await plannedRoutes(home), chosen), ofHosts(liveRoutes(), chosen));
    // The written manifest is what this bottle's live config is now accounted against.
    assert.equal((await readMetadata(layout.metadata)).manifest_sha256, manifestSha256(written));

    // A removed route is written only when chosen; then nothing is left between the two.
    const removed = await runCliCaptured(
      ['policy', 'diff', SLUG, '--write', '--only', '1', '--yes'],
      {
        env,
        cwd: home.root,
      },
    );
    assert.equal(removed.code, 0, removed.stderr);
    assert.match(removed.stdout, /^- \[1\] route removed: old\.example\.test/m);
    assert.match(removed.stdout, /^- {4}# not live any more$/m);
    assert.match(removed.stdout, /against live-config\/routes\.yaml: no difference$/m);
    assert.deepEqual(await plannedRoutes(home), liveRoutes());
    const after = await runCliCaptured(['policy', 'diff', SLUG, '--json'], { env, cwd: home.root });
    const diff = JSON.parse(after.stdout) as {
      manifest_changed: boolean;
      items: { kind: string }[];
    };
    assert.equal(diff.manifest_changed, false);
    assert.deepEqual(
      diff.items.map((i) => i.kind),
      ['gitleaks-allowlist'],
    );
  } finally {
    await home.remove();
  }
});

test('--only names route items; other items, bad numbers and nothing to write are refused', async () => {
  const { home, env } = await startedBottle();
  try {
    const cli = (...argv: string[]) =>
      runCliCaptured(['policy', 'diff', SLUG, ...argv], { env, cwd: home.root });
    const allowlist = await cli('--write', '--only', '4', '--yes');
    assert.equal(allowlist.code, 65);
    assert.match(allowlist.stderr, /error\[INPUT_INVALID\]: item 4 is a gitleaks-allowlist change/);
    const nine = await cli('--write', '--only', '2,9', '--yes');
    assert.equal(nine.code, 64);
    assert.match(nine.stderr, /--only takes item numbers from the listing \(1 to 4\), got "9"/);
    const stray = await cli('--yes');
    assert.equal(stray.code, 64);
    assert.equal(await readFile(home.path('bottles/e2e.md'), 'utf8'), BOTTLE);

    // Only pypi.org chosen: github's widening stays a difference.
    const one = await cli('--write', '--only', '2', '--yes');
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stdout, /2 difference\(s\)\n {2}\+ route widened: api\.github\.com/);
    assert.equal((await cli('--write', '--yes')).code, 0);
    // Left: the removed route (written only when chosen) and the allowlist entry.
    const nothing = await cli('--write', '--yes');
    assert.equal(nothing.code, 65);
    assert.match(
      nothing.stderr,
      /error\[INPUT_INVALID\]: nothing to write: .*no route added, widened or changed/,
    );
    assert.match(nothing.stderr, /hint: a removed route is written only when chosen/);
  } finally {
    await home.remove();
  }
});

test('a manifest edited since start is reported, and --write needs --force', async () => {
  const { home, env } = await startedBottle();
  try {
    const file = home.path('bottles/e2e.md');
    const edited = BOTTLE.replace('# the e2e bottle', '# the e2e bottle, edited by hand');
    await writeFile(file, edited);
    const json = await runCliCaptured(['policy', 'diff', SLUG, '--json'], { env, cwd: home.root });
    assert.equal((JSON.parse(json.stdout) as { manifest_changed: boolean }).manifest_changed, true);
    const text = await runCliCaptured(['policy', 'diff', SLUG], { env, cwd: home.root });
    assert.match(text.stdout, /^warning: .*e2e\.md was edited since dev-1a2b3c started/m);
    const refused = await runCliCaptured(['policy', 'diff', SLUG, '--write', '--yes'], {
      env,
      cwd: home.root,
    });
    assert.equal(refused.code, 65);
    assert.match(
      refused.stderr,
      /error\[MANIFEST_CHANGED\]: .*e2e\.md was edited since dev-1a2b3c started/,
    );
    assert.match(refused.stderr, /--force/);
    assert.equal(await readFile(file, 'utf8'), edited);
    const forced = await runCliCaptured(['policy', 'diff', SLUG, '--write', '--yes', '--force'], {
      env,
      cwd: home.root,
    });
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(await readFile(file, 'utf8'), /edited by hand[\s\S]*host: pypi\.org/);
  } finally {
    await home.remove();
  }
});

test('at a terminal it asks before writing: y writes, anything else does not', async () => {
  const { home, env } = await startedBottle();
  try {
    const file = home.path('bottles/e2e.md');
    const ask = async (answer: string): Promise<{ code: number; stdout: string }> => {
      let stdout = '';
      const stdin = Object.assign(Readable.from([answer]), { isTTY: true });
      const code = await runCli(['policy', 'diff', SLUG, '--write'], {
        stdout: { write: (text: string) => (stdout += text) },
        stderr: { write: () => true },
        stdin,
        env,
        cwd: home.root,
      });
      return { code, stdout };
    };
    const no = await ask('n\n');
    assert.equal(no.code, 0);
    assert.match(no.stdout, /write .*e2e\.md\? \[y\/N\] not written/);
    assert.equal(await readFile(file, 'utf8'), BOTTLE);
    const yes = await ask('y\n');
    assert.equal(yes.code, 0);
    assert.match(yes.stdout, /manifest check: ok/);
    assert.match(await readFile(file, 'utf8'), /host: pypi\.org/);
  } finally {
    await home.remove();
  }
});

test('writeManifestChecked refuses a file changed since it was read, or text manifest check refuses', async () => {
  const home = await tempTree({ 'bottles/e2e.md': BOTTLE });
  try {
    const file = home.path('bottles/e2e.md');
    const wider = BOTTLE.replace('/repos/acme/', '/repos/');
    await assert.rejects(writeManifestChecked(file, BOTTLE.replace('e2e', 'x'), wider), {
      code: 'MANIFEST_CHANGED',
    });
    // A route whose secret is not declared: the schema passes it, manifest check does not.
    const undeclared = BOTTLE.replace('secret: gh}', 'secret: nope}');
    await assert.rejects(
      writeManifestChecked(file, BOTTLE, undeclared),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, 'MANIFEST_INVALID');
        assert.match(error.message, /e2e\.md:\d+ egress\.routes\[0\]\.auth\.secret/);
        return true;
      },
    );
    assert.equal(await readFile(file, 'utf8'), BOTTLE);
    const written = await writeManifestChecked(file, BOTTLE, wider);
    assert.equal(await readFile(file, 'utf8'), wider);
    assert.deepEqual(written.bottle.config.egress.routes[0]!.paths, ['/repos/']);
    assert.deepEqual(written.otherProblems, []);
  } finally {
    await home.remove();
  }
});

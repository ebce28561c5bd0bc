import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { parseRoutesOrThrow } from '../../../images/egress-proxy/routes/parse.js';
import { engineDeps } from '../../../supervisor/engines/deps.js';
import { watchQueues, type QueueWatcher } from '../../../supervisor/queue/watch.js';
import { assertDockerAvailable, dockerSuite } from '../../helpers/docker.js';
import {
  startSupervisedBottle,
  waitForProposal,
  withPath,
  type SupervisedBottle,
} from './fixture.js';

// A real bottle: the agent asks for a path, the operator approves it --once or --for, and the
// real proxy stops applying the rule by itself — after the one retried request, or at the
// deadline even while no supervisor runs. The supervisor's watcher (what `supervise` runs)
// then removes the ended rule live and audits the reversion.

interface ListedGrant {
  id: string;
  kind: string;
  what: string;
  lifetime: string;
  expires_at?: string;
  uses?: number;
  used?: number;
  ended?: string;
  proposal_id?: string;
}

let bottle: SupervisedBottle;
const status = async (path: string) =>
  (
    await bottle.asAgent(
      `curl -s -m 15 -o /dev/null -w '%{http_code}' https://api.example.test${path}`,
    )
  ).stdout;

async function grants(): Promise<ListedGrant[]> {
  const listed = await bottle.cli('grants', bottle.slug, '--json');
  assert.equal(listed.code, 0, listed.stderr);
  return (JSON.parse(listed.stdout) as { grants: ListedGrant[] }).grants;
}

/** The agent proposes one more path; the operator approves it with these flags. */
async function grantPath(path: string, ...flags: string[]): Promise<string> {
  assert.equal(await status(path), '403', `${path} is refused before the grant`);
  const call = bottle.callTool('egress-proxy-block', {
    routes_yaml: withPath(await bottle.liveRoutes(), path),
    justification: `I need ${path} for a while`,
  });
  const id = await waitForProposal(bottle, 'egress-proxy-block');
  const approved = await bottle.cli('approve', id, ...flags);
  assert.equal(approved.code, 0, approved.stderr);
  assert.equal((await call).structured?.status, 'approved');
  return id;
}

async function auditLines(): Promise<Record<string, unknown>[]> {
  const text = await readFile(`${bottle.stateDir}/audit/supervisor.jsonl`, 'utf8');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

async function until<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

const grantedHosts = async () =>
  parseRoutesOrThrow(await bottle.liveRoutes()).routes.routes.filter((r) => r.grant).length;

async function startWatcher(): Promise<QueueWatcher> {
  const deps = await engineDeps(bottle.env, bottle.tree.root, () => undefined);
  const watcher = watchQueues(bottle.home, { sweep: { deps, operator: 'e2e-supervisor' } });
  await watcher.ready;
  return watcher;
}

describe('grants with a lifetime, on a real bottle', dockerSuite, () => {
  before(async () => {
    assertDockerAvailable();
    bottle = await startSupervisedBottle();
  });
  after(async () => {
    await bottle?.destroy();
  });

  it('a once-grant admits exactly the retried request; the supervisor then removes it and audits why', async () => {
    const proposal = await grantPath('/alpha', '--once');
    const [grant] = await grants();
    assert.equal(grant?.lifetime, 'once');
    assert.equal(grant?.uses, 1);
    assert.equal(grant?.used, 0);
    assert.equal(grant?.proposal_id, proposal);
    assert.equal(await status('/hello'), '200', 'the bottle’s own path never spends the use');
    assert.equal(await status('/alpha'), '200', 'the retried request');
    assert.equal(await status('/alpha'), '403', 'and nothing after it');
    assert.equal(await status('/alpha/deeper'), '403');
    assert.equal(await status('/hello'), '200', 'the bottle’s own rule is untouched');
    const [spent] = await grants();
    assert.equal(spent?.used, 1);
    assert.match(spent?.ended ?? '', /admitted its 1 request/);

    const watcher = await startWatcher();
    try {
      await until('the spent rule leaves routes.yaml', 20_000, async () =>
        (await grantedHosts()) === 0 ? true : undefined,
      );
    } finally {
      await watcher.close();
    }
    assert.deepEqual(await grants(), []);
    const ended = (await auditLines()).find((l) => l.decision === 'grant-ended');
    assert.equal(ended?.result, 'grant-used');
    assert.equal((ended?.grant as { id: string }).id, grant.id);
    assert.equal(ended?.operator, 'e2e-supervisor');
    assert.equal(await status('/hello'), '200');
  });

  it('a 2-minute grant reverts on time with no supervisor running, and is tidied when one starts', async () => {
    const started = Date.now();
    await grantPath('/beta', '--for', '2m');
    const [grant] = await grants();
    assert.equal(grant?.lifetime, 'for');
    const deadline = Date.parse(grant.expires_at!);
    assert.ok(Math.abs(deadline - (started + 120_000)) < 30_000, grant.expires_at);
    assert.equal(await status('/beta'), '200');
    assert.equal(await status('/beta/sub'), '200');

    // No supervisor at all from here: the proxy alone must stop applying the rule.
    await new Promise((r) => setTimeout(r, Math.max(0, deadline + 1000 - Date.now())));
    assert.equal(await status('/beta'), '403', 'refused again at the deadline');
    assert.equal((await grants())[0]?.ended?.includes('expired'), true);
    assert.equal(await grantedHosts(), 1, 'the rule waits in the file for a supervisor');

    const watcher = await startWatcher();
    try {
      await until('the expired rule leaves routes.yaml', 20_000, async () =>
        (await grantedHosts()) === 0 ? true : undefined,
      );
    } finally {
      await watcher.close();
    }
    const lines = await auditLines();
    const ended = lines.filter((l) => l.decision === 'grant-ended');
    assert.deepEqual(
      ended.map((l) => l.result),
      ['grant-used', 'grant-expired'],
    );
    const approvals = lines.filter((l) => l.decision === 'approved');
    assert.deepEqual(
      approvals.map((l) => (l.grant as { lifetime: string }).lifetime),
      ['once', 'for'],
    );
    assert.equal(await status('/beta'), '403');
    assert.equal(await status('/hello'), '200');
  });

  it('with a supervisor running, a grant reverts at its deadline: the rule leaves routes.yaml live and is audited', async () => {
    const watcher = await startWatcher();
    try {
      await grantPath('/epsilon', '--for', '20s');
      const [grant] = await grants();
      const deadline = Date.parse(grant!.expires_at!);
      assert.equal(await status('/epsilon'), '200');
      await until('the watcher removes the rule at the deadline', 40_000, async () =>
        (await grantedHosts()) === 0 ? true : undefined,
      );
      assert.ok(Date.now() >= deadline, 'not before its time');
      assert.ok(Date.now() < deadline + 15_000, 'and soon after it');
    } finally {
      await watcher.close();
    }
    assert.equal(await status('/epsilon'), '403');
    const ended = (await auditLines()).filter((l) => l.decision === 'grant-ended').at(-1);
    assert.equal(ended?.result, 'grant-expired');
    assert.equal(ended?.operator, 'e2e-supervisor');
  });

  it('a grant revoked by the operator ends at once', async () => {
    await grantPath('/gamma', '--for', '30m');
    const [grant] = await grants();
    assert.equal(await status('/gamma'), '200');
    const revoked = await bottle.cli('revoke', grant!.id, '--reason', 'done with it');
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.equal(await status('/gamma'), '403');
    assert.deepEqual(await grants(), []);
    const again = await bottle.cli('revoke', grant!.id);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /already ended/);
    const last = (await auditLines()).at(-1);
    assert.equal(last?.result, 'revoked');
    assert.equal(last?.reason, 'done with it');
  });

  it('a permanent approval shows the manifest diff, writes it, and the manifest then starts the live routes', async () => {
    const manifest = `${bottle.home}/bottles/e2e.md`;
    const before = await readFile(manifest, 'utf8');
    assert.equal(await status('/delta'), '403');
    const call = bottle.callTool('egress-proxy-block', {
      routes_yaml: withPath(await bottle.liveRoutes(), '/delta'),
      justification: 'I need /delta from now on',
    });
    const id = await waitForProposal(bottle, 'egress-proxy-block');
    const unasked = await bottle.cli('approve', id, '--permanent');
    assert.notEqual(unasked.code, 0, 'no terminal to confirm on and no --yes');
    assert.match(unasked.stderr, /--yes/);
    assert.equal(await readFile(manifest, 'utf8'), before, 'nothing written before the answer');
    const approved = await bottle.cli('approve', id, '--permanent', '--yes');
    assert.equal(approved.code, 0, approved.stderr);
    assert.match(
      approved.stdout,
      /^\+\s+paths: \[\/hello, \/delta\]$/m,
      'the manifest diff is shown',
    );
    assert.match(approved.stdout, /manifest check: ok/);
    assert.equal((await call).structured?.status, 'approved');
    assert.equal(await status('/delta'), '200');
    assert.match(await readFile(manifest, 'utf8'), /paths: \[\/hello, \/delta\]/);
    assert.deepEqual(await grants(), [], 'a permanent approval is a plain rule, not a grant');

    const checked = await bottle.cli('manifest', 'check');
    assert.equal(checked.code, 0, checked.stderr + checked.stdout);
    const diff = await bottle.cli('policy', 'diff', bottle.slug, '--json');
    assert.equal(diff.code, 0, diff.stderr);
    const { items, manifest_changed } = JSON.parse(diff.stdout) as {
      items: { kind: string }[];
      manifest_changed: boolean | null;
    };
    assert.deepEqual(
      items.filter((item) => item.kind === 'route'),
      [],
      'the manifest now starts exactly the live routes',
    );
    assert.equal(manifest_changed, false, 'the write is recorded, not taken for a hand edit');
    const approval = (await auditLines()).at(-1);
    assert.equal((approval?.grant as { lifetime: string }).lifetime, 'permanent');
  });
});

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../../../lib/log.js';
import { createContext, type ServerContext } from '../../../mcp/context.js';
import { ProposalLimiter } from '../../../mcp/proposals/limiter.js';
import { submitAndAwait, type Submission } from '../../../mcp/proposals/submit.js';
import type { Proposal } from '../../../mcp/queue/schema.js';
import type { ToolExtra } from '../../../mcp/sdk.js';

describe('ProposalLimiter', () => {
  it('refuses at the undecided cap, saying what to do instead', () => {
    const limiter = new ProposalLimiter({ maxUndecided: 3, perWindow: 100, windowMs: 60_000 });
    assert.deepEqual(limiter.check(2), { ok: true });
    const refused = limiter.check(3);
    assert.equal(refused.ok, false);
    if (!refused.ok) {
      assert.match(refused.message, /3 proposals waiting .* limit is 3/);
      assert.match(refused.hint, /await-proposal/);
    }
  });

  it('refuses past the rate within the window and allows again once it has passed', () => {
    let now = 1_000_000;
    const limiter = new ProposalLimiter(
      { maxUndecided: 100, perWindow: 2, windowMs: 60_000 },
      () => now,
    );
    for (let i = 0; i < 2; i++) {
      assert.equal(limiter.check(0).ok, true);
      limiter.record();
      now += 10_000;
    }
    const refused = limiter.check(0);
    assert.equal(refused.ok, false);
    // The first was recorded 20 s ago: it leaves the window in 40 s.
    if (!refused.ok) assert.match(refused.hint, /call again in 40 s/);
    now += 40_001;
    assert.equal(limiter.check(0).ok, true, 'the oldest left the window');
  });

  it('counts only what was recorded (a refused call costs nothing)', () => {
    const limiter = new ProposalLimiter({ maxUndecided: 100, perWindow: 1, windowMs: 60_000 });
    for (let i = 0; i < 5; i++) assert.equal(limiter.check(0).ok, true);
    limiter.record();
    assert.equal(limiter.check(0).ok, false);
  });
});

describe('submitAndAwait under a burst', () => {
  let root = '';
  let ctx: ServerContext;
  // An aborted call returns `pending` as soon as it is queued: the burst never waits.
  const extra = {
    signal: AbortSignal.abort(),
    sendNotification: async () => {},
  } as unknown as ToolExtra;
  const submission = (path: string): Submission => ({
    tool: 'egress-proxy-block',
    justification: `need ${path}`,
    payload: {
      routes_yaml: `routes:\n  - host: a.example.test\n    paths: [${path}]\n`,
      base_sha256: '0'.repeat(64),
    },
    key: path,
    keyOf: (payload) => /paths: \[(.*)\]/.exec(String(payload.routes_yaml))?.[1],
  });

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'cb-limiter-'));
    await mkdir(join(root, 'queue/pending/agent'), { recursive: true });
    ctx = createContext({
      stateDir: root,
      maxWaitSeconds: 1,
      log: createLogger({ component: 'test', sink: { write: () => true } }),
      proposalLimits: { maxUndecided: 5, perWindow: 100, windowMs: 60_000 },
    });
  });
  after(() => rm(root, { recursive: true, force: true }));

  it('queues exactly the cap from 50 concurrent distinct calls and refuses the rest explicitly', async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => submitAndAwait(ctx, submission(`/p${i}`), extra)),
    );
    const refused = results.filter((r) => r.isError === true);
    const queued = results.filter((r) => r.isError !== true);
    assert.equal(queued.length, 5);
    assert.equal(refused.length, 45);
    for (const r of refused)
      assert.match(JSON.stringify(r.content), /Nothing was queued: .*limit is 5.*What to do/);
    const files = await readdir(join(root, 'queue/pending/agent'));
    assert.equal(files.filter((f) => f.endsWith('.json')).length, 5, 'nothing lost or duplicated');
    const ids = new Set(
      queued.map((r) => (r.structuredContent as { proposal_id: string }).proposal_id),
    );
    assert.equal(ids.size, 5);
  });

  it('still re-attaches an identical call at the cap (that files nothing)', async () => {
    // Each of the burst superseded the ones before it: the newest is the one to attach to.
    const queued = await Promise.all(
      (await readdir(join(root, 'queue/pending/agent'))).map(
        async (name) =>
          JSON.parse(await readFile(join(root, 'queue/pending/agent', name), 'utf8')) as Proposal,
      ),
    );
    const replaced = new Set(queued.flatMap((p) => p.supersedes ?? []));
    const newest = queued.filter((p) => !replaced.has(p.id));
    assert.equal(newest.length, 1);
    const path = /paths: \[(.*)\]/.exec(
      (newest[0]!.payload as { routes_yaml: string }).routes_yaml,
    )?.[1];
    const again = await submitAndAwait(ctx, submission(path!), extra);
    const firstQueued = (await readdir(join(root, 'queue/pending/agent'))).length;
    assert.equal(again.isError, undefined, JSON.stringify(again.content));
    assert.equal((again.structuredContent as { proposal_id: string }).proposal_id, newest[0]!.id);
    assert.equal((again.structuredContent as { attached?: boolean }).attached, true);
    assert.equal(firstQueued, 5);
    // One already replaced (still queued until the supervisor archives it) is attached to as well.
    const replacedPath = /paths: \[(.*)\]/.exec(
      (queued.find((p) => replaced.has(p.id))!.payload as { routes_yaml: string }).routes_yaml,
    )?.[1];
    const older = await submitAndAwait(ctx, submission(replacedPath!), extra);
    assert.equal(older.isError, undefined, JSON.stringify(older.content));
    assert.equal((older.structuredContent as { attached?: boolean }).attached, true);
    assert.equal((await readdir(join(root, 'queue/pending/agent'))).length, 5);
  });

  it('counts a new superseding proposal against the window, never an attach', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cb-limiter-window-'));
    try {
      await mkdir(join(dir, 'queue/pending/agent'), { recursive: true });
      const windowed = createContext({
        stateDir: dir,
        maxWaitSeconds: 1,
        log: createLogger({ component: 'test', sink: { write: () => true } }),
        proposalLimits: { maxUndecided: 100, perWindow: 2, windowMs: 60_000 },
      });
      assert.equal((await submitAndAwait(windowed, submission('/a'), extra)).isError, undefined);
      for (let i = 0; i < 5; i++) {
        const attached = await submitAndAwait(windowed, submission('/a'), extra);
        assert.equal(attached.isError, undefined, 'an attach is never limited');
      }
      assert.equal((await submitAndAwait(windowed, submission('/b'), extra)).isError, undefined);
      const third = await submitAndAwait(windowed, submission('/c'), extra);
      assert.equal(third.isError, true, 'the third new proposal is past the window');
      assert.equal((await readdir(join(dir, 'queue/pending/agent'))).length, 2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

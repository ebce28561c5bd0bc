import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { stateLayout } from '../../../launcher/state/layout.js';
import { readMetadata } from '../../../launcher/state/metadata.js';
import { readArchived } from '../../../mcp/queue/archive.js';
import { writeDecision } from '../../../mcp/queue/store.js';
import type { BottleRef } from '../../../supervisor/queue/bottles.js';
import { claimProposal } from '../../../supervisor/queue/claim.js';
import { bottleProposals, listProposals } from '../../../supervisor/queue/proposals.js';
import { decide as decideProposal } from '../../../supervisor/engines/decide.js';
import { BottleError } from '../../../lib/errors.js';
import { readAudit } from '../../../supervisor/audit/log.js';
import { settleSupersedes } from '../../../supervisor/queue/supersede.js';
import { watchQueues } from '../../../supervisor/queue/watch.js';
import { containerlessDeps, makeStateDir, writeRunningMetadata } from '../../helpers/state-dir.js';
import { startStdio, type Running } from './helpers/clients.js';
import { makeState, ROUTES_YAML, type TestState } from './helpers/state.js';

// The real server over stdio, a real SDK client, a temp queue; the supervisor's side is played
// by its own queue functions (settleSupersedes, claimProposal) and the queue's decision writer.

interface Outcome {
  proposal_id: string;
  status: string;
  reason: string;
  applied: boolean;
  superseded_by?: string;
  attached?: boolean;
}

interface Result {
  isError?: boolean;
  content: { type: string; text: string }[];
  structuredContent?: Outcome;
}

async function withServer(body: (server: Running, state: TestState) => Promise<void>) {
  const state = await makeState();
  const server = await startStdio(state.dir);
  try {
    await body(server, state);
  } finally {
    await server.close();
    await state.cleanup();
  }
}

function askRoutes(server: Running, host: string, justification = `reach ${host}`) {
  return server.client.callTool({
    name: 'egress-proxy-block',
    arguments: { routes_yaml: `${ROUTES_YAML}  - host: ${host}\n`, justification },
  }) as Promise<Result>;
}

async function eventually<T>(
  check: () => Promise<T | undefined> | T | undefined,
  what: string,
): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = await check();
    if (value !== undefined) return value;
    await sleep(50);
  }
  return assert.fail(`never happened: ${what}`);
}

async function pendingIds(state: TestState, count: number): Promise<string[]> {
  return eventually(async () => {
    const names = await state.pendingAgent();
    return names.length === count ? names.map((n) => n.replace(/\.json$/, '')) : undefined;
  }, `${count} pending proposal(s)`);
}

async function decide(queueDir: string, id: string, decision: 'approved' | 'rejected') {
  const written = await writeDecision(queueDir, {
    v: 1,
    id,
    decision,
    reason: decision === 'approved' ? 'fine' : 'no',
    decided_by: 'test-operator',
    decided_at: new Date().toISOString(),
    applied: decision === 'approved',
  });
  assert.equal(written.written, true);
}

async function queued(state: TestState, id: string): Promise<{ supersedes?: string[] }> {
  const file = join(state.queueDir, 'pending', 'agent', `${id}.json`);
  return JSON.parse(await readFile(file, 'utf8')) as { supersedes?: string[] };
}

/** The temp state dir as a bottle the supervisor's queue code (and its audit log) accepts. */
async function bottleOf(state: TestState): Promise<BottleRef> {
  const layout = await writeRunningMetadata(stateLayout(state.dir), 't');
  return { slug: 't', layout, metadata: await readMetadata(layout.metadata) };
}

/** Still waiting after a pause: the call has not been answered. */
async function stillWaiting(call: Promise<unknown>): Promise<boolean> {
  let settled = false;
  const done = () => (settled = true);
  void call.then(done, done);
  await sleep(300);
  return !settled;
}

describe('supersede and attach over stdio', () => {
  it('a second call supersedes the first, which is answered "superseded by <id>"', () =>
    withServer(async (server, state) => {
      const first = askRoutes(server, 'pypi.org');
      const [oldId] = await pendingIds(state, 1);
      const second = askRoutes(server, 'files.pythonhosted.org');
      const ids = await pendingIds(state, 2);
      const newId = ids.find((id) => id !== oldId)!;
      // Written first, naming what it replaces; the old one stays until the supervisor acts.
      assert.deepEqual((await queued(state, newId)).supersedes, [oldId]);
      assert.equal(await stillWaiting(first), true);

      assert.deepEqual(
        await settleSupersedes(await bottleOf(state), { operator: 'test-operator' }),
        [oldId],
      );
      const answered = await first;
      assert.equal(answered.isError, undefined, 'an answer, not a tool error');
      assert.equal(answered.structuredContent?.status, 'superseded');
      assert.equal(answered.structuredContent?.proposal_id, oldId);
      assert.equal(answered.structuredContent?.superseded_by, newId);
      assert.equal(answered.structuredContent?.applied, false);
      assert.match(answered.content[0]!.text, new RegExp(`superseded by ${newId}`));

      const archived = await readArchived(state.queueDir, oldId!);
      assert.ok(archived.ok);
      assert.equal(archived.value.note?.status, 'superseded');
      assert.equal(archived.value.note?.superseded_by, newId);
      assert.deepEqual(await state.pendingAgent(), [`${newId}.json`]);

      // A later await-proposal on the old id says the same.
      const later = (await server.client.callTool({
        name: 'await-proposal',
        arguments: { proposal_id: oldId },
      })) as Result;
      assert.equal(later.isError, undefined);
      assert.equal(later.structuredContent?.superseded_by, newId);
      assert.match(later.content[0]!.text, new RegExp(`superseded by ${newId}`));

      // The supervisor lists it as superseded, naming the replacement.
      const bottle = await bottleOf(state);
      const views = await bottleProposals(bottle, { all: true });
      const old = views.find((view) => view.proposal.id === oldId);
      assert.equal(old?.status, 'superseded');
      assert.equal(old?.supersededBy, newId);
      assert.deepEqual(
        (await bottleProposals(bottle)).map((view) => view.proposal.id),
        [newId],
        'only the new one waits for the operator',
      );

      await decide(state.queueDir, newId, 'approved');
      const approved = await second;
      assert.equal(approved.structuredContent?.status, 'approved');
      assert.equal(approved.structuredContent?.proposal_id, newId);
    }));

  it('an identical call attaches: no new file, and both calls get the same decision', () =>
    withServer(async (server, state) => {
      const first = askRoutes(server, 'crates.io', 'cargo build');
      const [id] = await pendingIds(state, 1);
      // Same routes in another spelling, another justification.
      const second = server.client.callTool({
        name: 'egress-proxy-block',
        arguments: {
          routes_yaml: `# again\nroutes:\n  - {host: api.github.com, methods: [get]}\n  - host: crates.io\n`,
          justification: 'cargo build, please',
        },
      }) as Promise<Result>;
      await eventually(
        () => (server.stderr().includes('"proposal_reattached"') ? true : undefined),
        'the second call attached',
      );
      assert.deepEqual(await state.pendingAgent(), [`${id}.json`]);
      assert.equal((await queued(state, id!)).supersedes, undefined);
      assert.deepEqual(
        await settleSupersedes(await bottleOf(state), { operator: 'test-operator' }),
        [],
      );

      await decide(state.queueDir, id!, 'approved');
      const [a, b] = await Promise.all([first, second]);
      for (const result of [a, b]) {
        assert.equal(result.structuredContent?.proposal_id, id);
        assert.equal(result.structuredContent?.status, 'approved');
        assert.equal(result.structuredContent?.applied, true);
      }
      assert.equal(a.structuredContent?.attached, undefined);
      assert.equal(b.structuredContent?.attached, true);
      assert.match(b.content[0]!.text, new RegExp(`identical to proposal ${id}, already queued`));
    }));

  it('going back to an earlier proposal (A, B, then A again) files A anew: the latest word wins', () =>
    withServer(async (server, state) => {
      void askRoutes(server, 'a.example.test').catch(() => {});
      const [a] = await pendingIds(state, 1);
      void askRoutes(server, 'b.example.test').catch(() => {});
      const bId = (await pendingIds(state, 2)).find((id) => id !== a)!;
      const again = askRoutes(server, 'a.example.test', 'back to a');
      const ids = await pendingIds(state, 3);
      const third = ids.find((id) => id !== a && id !== bId)!;
      assert.deepEqual((await queued(state, third)).supersedes, [bId]);
      assert.equal(await stillWaiting(again), true, 'not answered "superseded by B"');
      await settleSupersedes(await bottleOf(state), { operator: 'test-operator' });
      await decide(state.queueDir, third, 'approved');
      const answered = await again;
      assert.equal(answered.structuredContent?.proposal_id, third);
      assert.equal(answered.structuredContent?.status, 'approved');
    }));

  it('a claimed older proposal is not superseded: the operator decision stands', () =>
    withServer(async (server, state) => {
      const first = askRoutes(server, 'registry.npmjs.org');
      const [oldId] = await pendingIds(state, 1);
      const claim = await claimProposal(state.queueDir, oldId!, {
        operator: 'test-operator',
        action: 'approve',
      });
      assert.ok(claim.ok);
      const second = askRoutes(server, 'registry.yarnpkg.com');
      const ids = await pendingIds(state, 2);
      const newId = ids.find((id) => id !== oldId)!;
      assert.deepEqual((await queued(state, newId)).supersedes, [oldId]);

      assert.deepEqual(await settleSupersedes(await bottleOf(state), { operator: 'sweeper' }), []);
      assert.equal((await state.pendingAgent()).length, 2, 'the claimed one stays queued');
      assert.equal(await stillWaiting(first), true);

      // The operator who held the claim decides it; the new one is simply queued.
      await decide(state.queueDir, oldId!, 'approved');
      await claim.release();
      const answered = await first;
      assert.equal(answered.structuredContent?.status, 'approved');
      assert.equal(answered.structuredContent?.proposal_id, oldId);
      assert.deepEqual(await settleSupersedes(await bottleOf(state), { operator: 'sweeper' }), []);
      assert.equal((await readArchived(state.queueDir, oldId!)).ok, false, 'never archived');

      assert.equal(await stillWaiting(second), true);
      await decide(state.queueDir, newId, 'rejected');
      const rejected = await second;
      assert.equal(rejected.structuredContent?.status, 'rejected');
      assert.equal(rejected.structuredContent?.proposal_id, newId);
    }));

  it('with the supervisor watching, the superseded call is answered on its own', async () => {
    const home = await mkdtemp(join(tmpdir(), 'cb-supersede-home-'));
    const layout = await makeStateDir(home, 'watched');
    await writeFile(join(layout.liveConfig, 'routes.yaml'), ROUTES_YAML);
    await mkdir(layout.queue.pending('agent'), { recursive: true });
    await mkdir(layout.queue.decided, { recursive: true });
    const watcher = watchQueues(home, {
      slug: 'watched',
      sweep: {
        operator: 'supervisor',
        deps: containerlessDeps(home),
      },
    });
    const server = await startStdio(layout.dir);
    try {
      await watcher.ready;
      const first = askRoutes(server, 'a.example.test');
      const firstId = await eventually(
        async () => (await queuedIn(layout.queue.pending('agent')))[0],
        'the first proposal queued',
      );
      const second = askRoutes(server, 'b.example.test');
      const answered = await first;
      assert.equal(answered.structuredContent?.status, 'superseded');
      assert.equal(answered.structuredContent?.proposal_id, firstId);
      const newId = answered.structuredContent?.superseded_by;
      assert.deepEqual(await queuedIn(layout.queue.pending('agent')), [newId]);
      await decide(layout.queue.root, newId!, 'approved');
      assert.equal((await second).structuredContent?.status, 'approved');
    } finally {
      await server.close();
      await watcher.close();
      await rm(home, { recursive: true, force: true });
    }
  });
});

describe('deciding a superseded proposal', () => {
  it('is refused as PROPOSAL_SUPERSEDED naming the newer one; it is archived, audited and its call answered', async () => {
    const home = await mkdtemp(join(tmpdir(), 'cb-supersede-decide-'));
    const layout = await makeStateDir(home, 'decided');
    await writeFile(join(layout.liveConfig, 'routes.yaml'), ROUTES_YAML);
    await mkdir(layout.queue.pending('agent'), { recursive: true });
    await mkdir(layout.queue.decided, { recursive: true });
    const server = await startStdio(layout.dir);
    try {
      const first = askRoutes(server, 'a.example.test');
      const [oldId] = await eventually(async () => {
        const ids = await queuedIn(layout.queue.pending('agent'));
        return ids.length === 1 ? ids : undefined;
      }, 'the first proposal queued');
      const second = askRoutes(server, 'b.example.test');
      const newId = await eventually(async () => {
        const ids = await queuedIn(layout.queue.pending('agent'));
        return ids.length === 2 ? ids.find((id) => id !== oldId) : undefined;
      }, 'the second proposal queued');
      const listed = await listProposals(home, { slug: 'decided', all: true });
      assert.equal(listed.find((view) => view.proposal.id === oldId)?.status, 'superseded');

      await assert.rejects(
        decideProposal(
          { id: oldId!, action: 'approve', operator: 'op', slug: 'decided' },
          containerlessDeps(home),
        ),
        (error: unknown) =>
          error instanceof BottleError &&
          error.code === 'PROPOSAL_SUPERSEDED' &&
          error.message.includes(`superseded by ${newId}`) &&
          (error.hint ?? '').includes(`decide ${newId} instead`),
      );
      const answered = await first;
      assert.equal(answered.structuredContent?.status, 'superseded');
      assert.equal(answered.structuredContent?.superseded_by, newId);
      const archived = await readArchived(layout.queue.root, oldId!);
      assert.equal(archived.ok && archived.value.note?.status, 'superseded');
      const { text, verify } = await readAudit(layout);
      assert.equal(verify.ok, true);
      const audit = text
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      assert.deepEqual(
        audit.map((line) => [line.proposal_id, line.decision, line.result]),
        [[oldId, 'superseded', 'superseded']],
      );
      assert.equal(await stillWaiting(second), true, 'the newer one still waits for the operator');
    } finally {
      await server.close();
      await rm(home, { recursive: true, force: true });
    }
  });
});

/** The ids queued in one pending folder. */
async function queuedIn(dir: string): Promise<string[]> {
  return (await readdir(dir))
    .filter((n) => n.endsWith('.json') && !n.startsWith('.'))
    .map((n) => n.replace(/\.json$/, ''))
    .sort();
}

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { newProposalId } from '../../../mcp/queue/ids.js';
import type { Proposal } from '../../../mcp/queue/schema.js';
import { writeProposal } from '../../../mcp/queue/store.js';
import type { EngineDeps } from '../../../supervisor/engines/types.js';
import { watchedSlug, watchQueues, type QueueWatcher } from '../../../supervisor/queue/watch.js';
import { makeStateDir, containerlessDeps } from '../../helpers/state-dir.js';
import { tempTree, type TempTree } from '../../helpers/temp-home.js';

// The TUI's queue watcher (supervisor/queue/watch.ts) on a real temp home.

describe('watchedSlug: only the queue paths are watched', () => {
  const cases: [string, string | null | undefined][] = [
    ['', null],
    ['state', null],
    ['bottles', undefined],
    ['state/b-1', 'b-1'],
    ['state/.hidden', undefined],
    ['state/b-1/metadata.json', 'b-1'],
    ['state/b-1/transcript', undefined],
    ['state/b-1/live-config/routes.yaml', undefined],
    ['state/b-1/queue', 'b-1'],
    ['state/b-1/queue/archive', undefined],
    ['state/b-1/queue/claims/x.json', undefined],
    ['state/b-1/queue/pending', 'b-1'],
    ['state/b-1/queue/pending/agent', 'b-1'],
    ['state/b-1/queue/pending/intruder', undefined],
    ['state/b-1/queue/pending/agent/agent-1.json', 'b-1'],
    ['state/b-1/queue/pending/agent/.agent-1.json.tmp', undefined],
    ['state/b-1/queue/pending/agent/deeper/x.json', undefined],
    ['state/b-1/queue/decided', 'b-1'],
    ['state/b-1/queue/decided/agent-1.json', 'b-1'],
    ['state/b-1/queue/decided/.agent-1.abc.tmp', undefined],
    ['state/b-1/egress-proxy', 'b-1'],
    ['state/b-1/egress-proxy/denied', 'b-1'],
    ['state/b-1/egress-proxy/denied/grant-uses.jsonl', 'b-1'],
    ['state/b-1/egress-proxy/denied/denied.jsonl', undefined],
    ['state/b-1/egress-proxy/ca', undefined],
    ['state/b-1/egress-proxy/ca/ca.key', undefined],
  ];
  for (const [path, expected] of cases) {
    it(`${path || '(home)'} → ${String(expected)}`, () => {
      assert.equal(watchedSlug(path === '' ? [] : path.split('/')), expected);
    });
  }

  it('with --bottle, other bottles are not watched at all', () => {
    assert.equal(watchedSlug(['state', 'b-2'], 'b-1'), undefined);
    assert.equal(watchedSlug(['state', 'b-1'], 'b-1'), 'b-1');
  });
});

describe('QueueWatcher on a real home', () => {
  let tree: TempTree;
  let watcher: QueueWatcher;
  const changed: string[] = [];
  const swept: string[] = [];

  async function makeBottle(slug: string): Promise<string> {
    return (await makeStateDir(tree.path('home'), slug)).queue.root;
  }

  async function until(what: string, check: () => boolean): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  const deps = (): EngineDeps => containerlessDeps(tree.path('home'));

  before(async () => {
    tree = await tempTree({ 'home/bottles/.keep': '' });
    await makeBottle('first-aaaa');
    watcher = watchQueues(tree.path('home'), { sweep: { deps: deps(), operator: 'test' } });
    watcher.on('changed', (slug) => changed.push(slug));
    watcher.on('swept', (slug) => swept.push(slug));
    await watcher.ready;
  });

  after(async () => {
    await watcher.close();
    await tree.remove();
  });

  it('reports a new proposal in a bottle that existed at start', async () => {
    changed.length = 0;
    const proposal: Proposal = {
      v: 1,
      id: newProposalId('agent'),
      tool: 'capability-block',
      justification: 'need gcc',
      created_at: new Date().toISOString(),
      payload: { dockerfile: 'RUN true\n', base_sha256: 'a'.repeat(64) },
    };
    await writeProposal(tree.path('home/state/first-aaaa/queue'), 'agent', proposal);
    await until('changed(first-aaaa)', () => changed.includes('first-aaaa'));
  });

  it('reports a bottle started after the watcher, and its proposals', async () => {
    changed.length = 0;
    const queue = await makeBottle('later-bbbb');
    await until('changed(later-bbbb)', () => changed.includes('later-bbbb'));
    changed.length = 0;
    const proposal: Proposal = {
      v: 1,
      id: newProposalId('agent'),
      tool: 'capability-block',
      justification: 'later',
      created_at: new Date().toISOString(),
      payload: { dockerfile: 'RUN true\n', base_sha256: 'a'.repeat(64) },
    };
    await writeProposal(queue, 'agent', proposal);
    await until('changed(later-bbbb) for its proposal', () => changed.includes('later-bbbb'));
  });

  it('archives a proxy proposal whose held request passed its deadline, as expired', async () => {
    const queue = tree.path('home/state/first-aaaa/queue');
    const id = newProposalId('egress-proxy', new Date(Date.now() - 5_000));
    await writeProposal(queue, 'egress-proxy', {
      v: 1,
      id,
      tool: 'egress-token-allow',
      justification: 'a token-shaped value',
      created_at: new Date(Date.now() - 5_000).toISOString(),
      expires_at: new Date(Date.now() + 300).toISOString(),
      payload: {
        host: 'api.example.test',
        method: 'POST',
        path: '/',
        detector: 'github-pat',
        redacted_context: 'ghp_****',
        value_sha256: 'b'.repeat(64),
      },
    });
    // The archive record is written first, then the pending file goes: wait for both.
    await until(
      'the expired proposal archived and gone from pending/',
      () =>
        existsSync(`${queue}/archive/${id}.json`) &&
        !existsSync(`${queue}/pending/egress-proxy/${id}.json`),
    );
    const archived = JSON.parse(readFileSync(`${queue}/archive/${id}.json`, 'utf8')) as {
      archived: { status: string };
    };
    assert.equal(archived.archived.status, 'expired');
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertDockerAvailable, dockerSuite } from '../../helpers/docker.js';
import { DEFAULT_PROPOSAL_LIMITS } from '../../../mcp/proposals/limiter.js';
import { startSupervisedBottle, withPath, type SupervisedBottle } from '../supervisor/fixture.js';
import { agentNode, pendingIds } from './helpers.js';

// Threat row: "burying the operator: a flood of proposals, or one too large to read". The agent
// calls supervise as fast and as big as it can, over raw MCP JSON-RPC from inside its container
// (fixtures/mcp-burst.mjs). Every call must be either queued once or refused explicitly.
// Before mcp/proposals/limiter.ts all 1,000 calls below were queued (nothing refused them).

type BurstResult = {
  index: number;
  queued?: string;
  refused?: string;
  isError?: boolean;
  http?: number;
  text?: string;
  error?: string;
}[];

let bottle: SupervisedBottle;

function burst(calls: { name: string; arguments: Record<string, unknown> }[]) {
  return agentNode<BurstResult>(
    bottle,
    'mcp-burst.mjs',
    {},
    JSON.stringify({ calls, concurrency: 16 }),
  );
}

/** `count` distinct egress-proxy-block calls (distinct files, so none re-attaches to another). */
async function distinctProposals(prefix: string, count: number) {
  const live = await bottle.liveRoutes();
  return Array.from({ length: count }, (_, i) => ({
    name: 'egress-proxy-block',
    arguments: { routes_yaml: withPath(live, `/${prefix}-${i}`), justification: `flood ${i}` },
  }));
}

/** How many of the bottle's proposals, queued or archived, have `status`. */
async function statusCount(status: string): Promise<number> {
  const listed = await bottle.cli('proposals', '--all', '--json', '--bottle', bottle.slug);
  assert.equal(listed.code, 0, listed.stderr);
  const { proposals } = JSON.parse(listed.stdout) as {
    proposals: { status: string }[];
  };
  return proposals.filter((p) => p.status === status).length;
}

describe('attack: bury the operator in proposals', dockerSuite, () => {
  before(async () => {
    assertDockerAvailable();
    bottle = await startSupervisedBottle();
  });
  after(() => bottle?.destroy());

  it('burying the operator: a 10 MB justification is refused with a clear error and nothing is queued', async () => {
    const live = await bottle.liveRoutes();
    const [huge] = await burst([
      {
        name: 'egress-proxy-block',
        arguments: {
          routes_yaml: withPath(live, '/big'),
          justification: 'x'.repeat(10 * 1024 * 1024),
        },
      },
    ]);
    // Observed: the SDK's transport refuses the body before any tool runs.
    assert.equal(huge?.http, 413, JSON.stringify(huge));
    assert.match(huge?.text ?? '', /Payload Too Large: Request body must not exceed/);
    assert.deepEqual(await pendingIds(bottle), []);
  });

  it('burying the operator: a 100 KiB justification is refused by the tool, saying to shorten it', async () => {
    const answer = await bottle.callTool('egress-proxy-block', {
      routes_yaml: withPath(await bottle.liveRoutes(), '/big'),
      justification: 'y'.repeat(100 * 1024),
    });
    assert.equal(answer.isError, true, answer.text);
    assert.match(answer.text, /justification is larger than 8 KiB → shorten it/);
    assert.deepEqual(await pendingIds(bottle), []);
  });

  // Both limits, exactly: 40 distinct calls at once meet the undecided cap (a replaced proposal
  // counts until it is archived); each one queued supersedes the one before, so the operator
  // reads one. Once that is rejected (and the replaced ones archived by the same verb), the
  // rest of the minute's budget is all that fits.
  it('burying the operator: undecided proposals are capped per bottle, then the per-minute rate applies', async () => {
    const { maxUndecided, perWindow } = DEFAULT_PROPOSAL_LIMITS;
    const first = await burst(await distinctProposals('first', 2 * maxUndecided));
    assert.equal(first.filter((r) => r.queued !== undefined).length, maxUndecided);
    for (const r of first.filter((r) => r.queued === undefined)) {
      assert.equal(r.isError, true, JSON.stringify(r));
      assert.match(
        r.refused ?? '',
        /^Nothing was queued: this bottle already has \d+ proposals waiting/,
      );
      assert.match(r.refused ?? '', /What to do: .*await-proposal/);
    }
    const current = await pendingIds(bottle);
    assert.equal(current.length, 1, "only the newest is the operator's to read");
    const rejected = await bottle.cli(
      'reject',
      current[0]!,
      '--reason',
      'flood',
      '--bottle',
      bottle.slug,
    );
    assert.equal(rejected.code, 0, rejected.stderr);
    assert.equal(await statusCount('superseded'), maxUndecided - 1);
    const second = await burst(await distinctProposals('second', maxUndecided));
    const queued = second.filter((r) => r.queued !== undefined);
    assert.equal(queued.length, perWindow - maxUndecided);
    for (const r of second.filter((r) => r.queued === undefined))
      assert.match(r.refused ?? '', /filed in the last 60 s .*What to do: call again in \d+ s/s);
    assert.equal((await pendingIds(bottle)).length, 1);
    // Each of the second burst but the newest is replaced too (queued until the next decision).
    assert.equal(await statusCount('superseded'), maxUndecided - 1 + perWindow - maxUndecided - 1);
  });

  it('burying the operator: a flood of 1,000 is refused call by call, none lost or duplicated, the listing stays live', async () => {
    const before = (await pendingIds(bottle)).sort();
    const flood = burst(await distinctProposals('flood', 1000));
    // The operator's listing answers while the flood runs.
    const during = await bottle.cli('proposals', '--json', '--bottle', bottle.slug);
    assert.equal(during.code, 0, during.stderr);
    assert.ok(Array.isArray((JSON.parse(during.stdout) as { proposals: unknown[] }).proposals));
    const results = await flood;
    assert.equal(results.length, 1000);
    assert.deepEqual(
      results.filter((r) => r.refused === undefined),
      [],
      'every call was answered, and none was queued past the limits',
    );
    for (const r of results) {
      assert.equal(r.isError, true);
      assert.match(r.refused!, /^Nothing was queued: .*\nWhat to do: /s);
    }
    assert.deepEqual((await pendingIds(bottle)).sort(), before, 'the queue is exactly as it was');
  });

  it('burying the operator: an identical resubmission at the limit re-attaches instead of being refused', async () => {
    const [first] = await pendingIds(bottle);
    assert.ok(first);
    const listed = await bottle.cli('proposals', '--json', '--bottle', bottle.slug);
    const { proposals } = JSON.parse(listed.stdout) as {
      proposals: { id: string; payload: { routes_yaml: string } }[];
    };
    const proposal = proposals.find((p) => p.id === first)!;
    const [again] = await burst([
      {
        name: 'egress-proxy-block',
        arguments: { routes_yaml: proposal.payload.routes_yaml, justification: 'again' },
      },
    ]);
    assert.equal(again?.queued, first, JSON.stringify(again));
  });
});

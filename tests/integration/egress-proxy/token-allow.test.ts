import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { queuePaths } from '../../../mcp/queue/paths.js';
import type { ProposalOf } from '../../../mcp/queue/schema.js';
import { writeDecision } from '../../../mcp/queue/store.js';

type TokenProposal = ProposalOf<'egress-token-allow'>;
import { httpsViaProxy, type ProxyResponse } from './helpers/client.js';
import { OWN_SECRET, startFixture, type Fixture } from './helpers/fixture.js';

const ROUTES = (port: number): string => `routes:
  - host: open.upstream.test:${port}
    private: true
  - host: api.upstream.test:${port}
    private: true
`;

const token = (seed: string): string => `ghp_${seed.repeat(36).slice(0, 36)}`;

/** Waits for the next proposal file the proxy writes in pending/egress-proxy/. */
async function nextProposal(queue: string, known: Set<string>): Promise<TokenProposal> {
  const folder = queuePaths(queue).pending('egress-proxy');
  for (;;) {
    const names = await readdir(folder).catch(() => [] as string[]);
    const fresh = names.find(
      (name) => name.endsWith('.json') && !name.startsWith('.') && !known.has(name),
    );
    if (fresh) {
      known.add(fresh);
      return JSON.parse(await readFile(join(folder, fresh), 'utf8')) as TokenProposal;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function decision(id: string, verdict: 'approved' | 'rejected', reason: string) {
  return {
    v: 1 as const,
    id,
    decision: verdict,
    reason,
    decided_by: 'test',
    decided_at: new Date().toISOString(),
  };
}

describe('egress proxy: token-allow through a real queue directory', () => {
  let fx: Fixture;
  let quick: Fixture; // the same proxy with a 1-second decision timeout
  let queue: string;
  let quickQueue: string;
  const known = new Set<string>();

  before(async () => {
    queue = await mkdtemp(join(tmpdir(), 'cb-queue-'));
    quickQueue = await mkdtemp(join(tmpdir(), 'cb-queue-quick-'));
    fx = await startFixture(ROUTES, ['--queue', queue, '--token-allow-timeout', '60']);
    quick = await startFixture(ROUTES, ['--queue', quickQueue, '--token-allow-timeout', '1']);
  });
  after(async () => {
    await fx.close();
    await quick.close();
  });
  const post = (f: Fixture, name: string, body: string): Promise<ProxyResponse> =>
    httpsViaProxy(f.proxy.port, f.bottleCa.certPem, f.url(name, '/upload'), {
      method: 'POST',
      body,
    });

  it('holds the request, files a proposal without the value, and passes it once approved', async () => {
    const value = token('Ab1');
    const pending = post(fx, 'open', `{"token":"${value}"}`);
    const proposal = await nextProposal(queue, known);
    assert.equal(proposal.tool, 'egress-token-allow');
    assert.match(proposal.id, /^egress-proxy-/);
    assert.equal(proposal.payload.host, 'open.upstream.test');
    assert.equal(proposal.payload.detector, 'github-token');
    assert.match(proposal.payload.value_sha256, /^[0-9a-f]{64}$/);
    assert.ok(!JSON.stringify(proposal).includes(value), 'the proposal must not hold the value');
    const seenBefore = fx.upstream.seen.length;
    await writeDecision(queue, decision(proposal.id, 'approved', 'test token'));
    const res = await pending;
    assert.equal(res.status, 200);
    assert.equal(fx.upstream.seen.length, seenBefore + 1);
    assert.ok(fx.upstream.seen.at(-1)!.body.includes(value));
  });

  it('remembers the approval for that host, but not for another host', async () => {
    const value = token('Ab1');
    const again = await post(fx, 'open', `second use ${value}`);
    assert.equal(again.status, 200);
    const other = post(fx, 'api', `to another host ${value}`);
    const proposal = await nextProposal(queue, known);
    assert.equal(proposal.payload.host, 'api.upstream.test');
    await writeDecision(queue, decision(proposal.id, 'rejected', 'not for that host'));
    const res = await other;
    assert.equal(res.status, 403);
    assert.match(res.body, /rejected .*not for that host/);
  });

  it('refuses when the decision is malformed', async () => {
    const pending = post(fx, 'open', token('Zz9'));
    const proposal = await nextProposal(queue, known);
    const decided = queuePaths(queue).decided;
    await mkdir(decided, { recursive: true });
    await writeFile(join(decided, `${proposal.id}.json`), '{"v":1,"decision":"approved"}');
    const res = await pending;
    assert.equal(res.status, 403);
    assert.match(res.body, /malformed/);
  });

  it('a once approval lets the held request through and asks again for the next one', async () => {
    const value = token('On3');
    const pending = post(fx, 'open', value);
    const proposal = await nextProposal(queue, known);
    // Joins the same proposal while it waits: the operator never saw this one.
    const joined = post(fx, 'open', `another use of ${value}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await writeDecision(queue, {
      ...decision(proposal.id, 'approved', 'just this once'),
      grant: { id: 'g-once00000001', lifetime: 'once', uses: 1 },
    });
    assert.equal((await pending).status, 200);
    const other = await joined;
    assert.equal(other.status, 403, 'once is for the request that asked');
    assert.match(other.body, /approved once, for the request that asked/);
    const next = post(fx, 'open', value);
    const asked = await nextProposal(queue, known);
    assert.equal(asked.payload.value_sha256, proposal.payload.value_sha256);
    await writeDecision(queue, decision(asked.id, 'rejected', 'once was enough'));
    assert.equal((await next).status, 403);
  });

  it('a time-boxed approval ends at its deadline, and a revoked one at once', async () => {
    const timed = token('Fo4');
    const first = post(fx, 'open', timed);
    const proposal = await nextProposal(queue, known);
    const expires = new Date(Date.now() + 1500).toISOString();
    await writeDecision(queue, {
      ...decision(proposal.id, 'approved', 'for a moment'),
      grant: { id: 'g-timed0000001', lifetime: 'for', expires_at: expires },
    });
    assert.equal((await first).status, 200);
    assert.equal((await post(fx, 'open', timed)).status, 200, 'within its time');
    await new Promise((resolve) => setTimeout(resolve, Date.parse(expires) - Date.now() + 100));
    const late = post(fx, 'open', timed);
    const again = await nextProposal(queue, known);
    await writeDecision(queue, decision(again.id, 'rejected', 'time is up'));
    assert.equal((await late).status, 403, 'after its deadline it is asked again');

    const kept = token('Rv5');
    const held = post(fx, 'open', kept);
    const keptProposal = await nextProposal(queue, known);
    await writeDecision(queue, decision(keptProposal.id, 'approved', 'for the bottle'));
    assert.equal((await held).status, 200);
    await writeFile(queuePaths(queue).revokedFile(keptProposal.id), 'now\n');
    const revoked = post(fx, 'open', kept);
    const reasked = await nextProposal(queue, known);
    assert.equal(reasked.payload.value_sha256, keptProposal.payload.value_sha256);
    await writeDecision(queue, decision(reasked.id, 'rejected', 'revoked'));
    assert.equal((await revoked).status, 403);
  });

  it("never files a proposal for the bottle's own secret", async () => {
    const res = await post(fx, 'open', `leak ${OWN_SECRET}`);
    assert.equal(res.status, 403);
    assert.match(res.body, /not approvable/);
    const files = await readdir(queuePaths(queue).pending('egress-proxy'));
    assert.equal(files.filter((name) => name.endsWith('.json')).length, known.size);
  });

  it('refuses when no decision comes before the timeout', async () => {
    const seenBefore = quick.upstream.seen.length;
    const res = await post(quick, 'open', token('Tt5'));
    assert.equal(res.status, 403);
    assert.match(res.body, /no decision/);
    assert.equal(quick.upstream.seen.length, seenBefore);
  });

  it('never writes a held value to its logs (no --queue is covered in routes-and-credentials)', () => {
    for (const f of [fx, quick]) {
      for (const value of [
        token('Ab1'),
        token('Zz9'),
        token('Tt5'),
        token('On3'),
        token('Fo4'),
        token('Rv5'),
        OWN_SECRET,
      ]) {
        assert.ok(!f.proxy.output().includes(value));
      }
    }
  });
});

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { newProposalId } from '../../../mcp/queue/ids.js';
import { writeProposal } from '../../../mcp/queue/store.js';
import { decide } from '../../../supervisor/engines/decide.js';
import { runCliCaptured } from '../../helpers/cli.js';
import { containerlessDeps, makeStateDir } from '../../helpers/state-dir.js';
import { tempTree, type TempTree } from '../../helpers/temp-home.js';
import type { StateLayout } from '../../../launcher/state/layout.js';

// A token allowance approved for a time: listed by `grants`, ended by `revoke` (the marker the
// proxy checks), both through the real CLI over a real state dir; no container is needed.
const SLUG = 'tok-1a2b3c';

let home: TempTree;
let layout: StateLayout;
const cli = (...argv: string[]) =>
  runCliCaptured(argv, {
    env: { ...process.env, CLAUDE_BOTTLE_HOME: home.root, CLAUDE_BOTTLE_OPERATOR: 'ana' },
    cwd: home.root,
  });

async function heldToken(): Promise<string> {
  const id = newProposalId('egress-proxy');
  await writeProposal(layout.queue.root, 'egress-proxy', {
    v: 1,
    id,
    tool: 'egress-token-allow',
    justification: 'a token-shaped value',
    created_at: new Date().toISOString(),
    expires_at: new Date(Date.now() + 300_000).toISOString(),
    payload: {
      host: 'api.example.test',
      method: 'POST',
      path: '/upload',
      detector: 'github-pat',
      redacted_context: 'token=ghp_****',
      value_sha256: 'b'.repeat(64),
    },
  });
  return id;
}

describe('grants and revoke for a token allowance', () => {
  before(async () => {
    home = await tempTree({});
    layout = await makeStateDir(home.root, SLUG);
  });
  after(async () => {
    await home.remove();
  });

  it('lists a --for approval with its time left, and revoke ends it with an audit line', async () => {
    const id = await heldToken();
    const decided = await decide(
      {
        id,
        action: 'approve',
        reason: 'our own test token',
        operator: 'ana (cli)',
        lifetime: { kind: 'for', ms: 600_000 },
      },
      containerlessDeps(home.root),
    );
    assert.equal(decided.decision.grant?.lifetime, 'for');
    const grantId = decided.decision.grant.id;

    const listed = await cli('grants', SLUG, '--json');
    assert.equal(listed.code, 0, listed.stderr);
    const [grant, ...rest] = (JSON.parse(listed.stdout) as { grants: Record<string, unknown>[] })
      .grants;
    assert.deepEqual(rest, []);
    assert.equal(grant?.id, grantId);
    assert.equal(grant?.kind, 'token');
    assert.equal(grant?.what, 'a github-pat value to api.example.test');
    assert.equal(grant?.proposal_id, id);
    assert.equal(grant?.ended, undefined);
    const text = await cli('grants', SLUG);
    assert.match(text.stdout, /for: (9|10)m\d*s? left {2}by ana \(cli\)/);

    const revoked = await cli('revoke', grantId, '--reason', 'no longer needed');
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.ok(existsSync(layout.queue.revokedFile(id)), 'the marker the proxy checks');
    assert.deepEqual(
      (JSON.parse((await cli('grants', SLUG, '--json')).stdout) as { grants: [] }).grants,
      [],
    );
    const audit = (await readFile(`${layout.audit}/supervisor.jsonl`, 'utf8')).trim().split('\n');
    const last = JSON.parse(audit.at(-1)!) as Record<string, unknown>;
    assert.equal(last.decision, 'grant-ended');
    assert.equal(last.result, 'revoked');
    assert.equal(last.reason, 'no longer needed');
    assert.equal(last.operator, 'ana (cli)');

    const again = await cli('revoke', grantId);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /already ended/);
  });

  it('refuses lifetimes a tool cannot have, and bad ids and durations, before deciding anything', async () => {
    const id = await heldToken();
    const permanent = await cli('approve', id, '--permanent', '--reason', 'x');
    assert.equal(permanent.code, 64, permanent.stderr);
    assert.match(permanent.stderr, /never written to the manifest/);
    const duration = await cli('approve', id, '--for', 'a while', '--reason', 'x');
    assert.equal(duration.code, 64);
    assert.match(duration.stderr, /--for takes a duration such as 30m/);
    const both = await cli('approve', id, '--once', '--for', '5m', '--reason', 'x');
    assert.equal(both.code, 64);
    assert.match(both.stderr, /choose one lifetime/);
    const badId = await cli('revoke', 'not-a-grant');
    assert.equal(badId.code, 64);
    const listed = await cli('proposals', '--json', '--bottle', SLUG);
    const { proposals } = JSON.parse(listed.stdout) as {
      proposals: { id: string; status: string }[];
    };
    assert.equal(proposals.find((p) => p.id === id)?.status, 'pending', 'still undecided');
  });
});

import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { newProposalId } from '../../../mcp/queue/ids.js';
import { writeDecision, writeProposal } from '../../../mcp/queue/store.js';
import { appendAudit } from '../../../supervisor/audit/log.js';
import { runCliCaptured } from '../../helpers/cli.js';
import { makeStateDir } from '../../helpers/state-dir.js';
import { tempTree, type TempTree } from '../../helpers/temp-home.js';

const trees: TempTree[] = [];
after(() => Promise.all(trees.map((t) => t.remove())));
const ENV_SECRET = 'env-planted-value-9f8e7d6c';
const FILE_SECRET = 'file-planted-value-1a2b3c4d';

describe('evidence export and verify on a state dir (no Docker)', () => {
  it('exports every source, verifies, and holds no planted secret', async () => {
    const tree = await tempTree();
    trees.push(tree);
    const home = tree.path('home');
    const layout = await makeStateDir(home, 'demo-abc123');
    await tree.write(
      'home/bottles/e2e.md',
      '---\nsecrets:\n  api-token: env:EVIDENCE_TEST_TOKEN\n---\n',
    );
    await tree.write('run/demo/egress-proxy/api-token', FILE_SECRET);
    const id = newProposalId('egress-proxy');
    await writeProposal(layout.queue.root, 'egress-proxy', {
      v: 1,
      id,
      tool: 'egress-token-allow',
      justification: `saw ${ENV_SECRET}`,
      created_at: new Date().toISOString(),
      expires_at: new Date(Date.now() + 60_000).toISOString(),
      payload: {
        host: 'api.example.test',
        method: 'GET',
        path: '/x',
        detector: 'own',
        redacted_context: 'k=…',
        value_sha256: 'a'.repeat(64),
      },
    });
    await writeDecision(layout.queue.root, {
      v: 1,
      id,
      decision: 'rejected',
      reason: 'no',
      decided_by: 'op',
      decided_at: new Date().toISOString(),
    });
    await appendAudit(layout, {
      proposal_id: id,
      tool: 'egress-token-allow',
      decision: 'rejected',
      reason: 'no',
      operator: 'op',
      result: 'rejected',
    });
    await mkdir(join(layout.transcript, 'projects', 'w'), { recursive: true });
    await writeFile(
      join(layout.transcript, 'projects', 'w', 's.jsonl'),
      `${JSON.stringify({ type: 'assistant', timestamp: new Date().toISOString(), message: { content: [{ type: 'tool_use', id: 't1', name: 'Bash', input: { command: `echo ${ENV_SECRET}` } }] } })}\n`,
    );
    const logs = await tree.write(
      'logs.txt',
      `egress-proxy-1  | ${JSON.stringify({ ts: new Date().toISOString(), host: 'api.example.test', method: 'GET', path: '/x', route: '-', decision: 'deny', reason: 'no-route', status: 403, ms: 1 })}\nagent-1  | ${JSON.stringify({ ts: new Date().toISOString(), host: 'forged', decision: 'allow' })}\n`,
    );
    const env = {
      CLAUDE_BOTTLE_HOME: home,
      EVIDENCE_TEST_TOKEN: ENV_SECRET,
      CLAUDE_BOTTLE_RUNTIME_DIR: tree.path('run'),
    };
    const out = tree.path('bundle.jsonl');
    const run = await runCliCaptured(['evidence', 'demo-abc123', '--out', out, '--logs', logs], {
      env,
      cwd: tree.root,
    });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /public key/);
    const text = await readFile(out, 'utf8');
    assert.ok(!text.includes(ENV_SECRET) && !text.includes(FILE_SECRET));
    assert.ok(!text.includes('forged'));
    for (const source of [
      '"egress-proxy"',
      '"queue"',
      '"operator"',
      '"audit"',
      '"transcript"',
      '"signature"',
    ])
      assert.ok(text.includes(source), source);
    const ok = await runCliCaptured(['evidence', '--verify', out], { env, cwd: tree.root });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^evidence intact/);
    await writeFile(out, text.replace('no-route', 'no-rout3'));
    const bad = await runCliCaptured(['evidence', '--verify', out], { env, cwd: tree.root });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /error\[AUDIT_INVALID\]: .* line \d+:/);
  });
});

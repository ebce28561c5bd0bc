import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import type { ProposalView } from '../../../../supervisor/queue/proposals.js';
import { loadSuperviseConfig } from '../../../../supervisor/tui/config.js';
import { notifyEnv, runNotify } from '../../../../supervisor/tui/notify.js';
import { tempTree, type TempTree } from '../../../helpers/temp-home.js';

// --notify-cmd through a real `sh -c`, and supervisor.notify_cmd from config.yaml.
const view: ProposalView = {
  slug: 'bottle-a',
  source: 'agent',
  status: 'pending',
  queued: true,
  proposal: {
    v: 1,
    id: 'agent-20261124T215501Z-3f9a0c2b',
    tool: 'capability-block',
    justification: 'need gcc\n$(touch /tmp/pwned) `id` \x1b]0;x\x07',
    created_at: '2026-11-24T21:55:01.000Z',
    payload: { dockerfile: 'RUN true\n', base_sha256: 'a'.repeat(64) },
  },
};

let tree: TempTree;

describe('notify-cmd', () => {
  before(async () => {
    tree = await tempTree();
  });
  after(() => tree.remove());

  it('passes the proposal in the environment, the summary on one safe line', () => {
    const env = notifyEnv(view);
    assert.equal(env.CLAUDE_BOTTLE_SLUG, 'bottle-a');
    assert.equal(env.CLAUDE_BOTTLE_TOOL, 'capability-block');
    assert.equal(env.CLAUDE_BOTTLE_PROPOSAL_ID, view.proposal.id);
    assert.match(env.CLAUDE_BOTTLE_SUMMARY!, /^capability-block in bottle-a: need gcc \$\(touch/);
    // eslint-disable-next-line no-control-regex
    assert.ok(!/[\n\x00-\x1f\x7f-\x9f]/.test(env.CLAUDE_BOTTLE_SUMMARY!));
  });

  it('runs the command with sh -c; agent text never becomes shell code', async () => {
    const out = tree.path('notified');
    const result = await runNotify(
      `printf '%s|%s|%s' "$CLAUDE_BOTTLE_SLUG" "$CLAUDE_BOTTLE_TOOL" "$CLAUDE_BOTTLE_SUMMARY" > ${out}`,
      { PATH: process.env.PATH },
      view,
    );
    assert.deepEqual(result, { ok: true });
    const written = await readFile(out, 'utf8');
    assert.match(
      written,
      /^bottle-a\|capability-block\|capability-block in bottle-a: need gcc \$\(touch \/tmp\/pwned\) `id`/,
    );
  });

  it('reports a failure with its exit code and last stderr line, never throws', async () => {
    const result = await runNotify(
      'echo first >&2; echo "no route to pager" >&2; exit 3',
      { PATH: process.env.PATH },
      view,
    );
    assert.deepEqual(result, { ok: false, message: 'exit 3: no route to pager' });
    const missing = await runNotify('no-such-command-cb', { PATH: process.env.PATH }, view);
    assert.equal(missing.ok, false);
  });
});

describe('supervisor.notify_cmd in config.yaml', () => {
  before(async () => {
    tree = await tempTree();
  });
  after(() => tree.remove());

  it('is empty without a config file', async () => {
    assert.deepEqual(await loadSuperviseConfig(tree.path('nothing-here')), {});
  });

  it('reads supervisor.notify_cmd and leaves other sections alone', async () => {
    await tree.write(
      'a/config.yaml',
      'other: { x: 1 }\nsupervisor:\n  notify_cmd: notify-send "$CLAUDE_BOTTLE_SUMMARY"\n',
    );
    const config = await loadSuperviseConfig(tree.path('a'));
    assert.equal(config.supervisor?.notify_cmd, 'notify-send "$CLAUDE_BOTTLE_SUMMARY"');
  });

  it('names the line of a typo', async () => {
    await tree.write('b/config.yaml', 'supervisor:\n  notify_cmnd: x\n');
    await assert.rejects(
      loadSuperviseConfig(tree.path('b')),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, 'CONFIG_INVALID');
        assert.match(
          error.message,
          /config\.yaml:2 supervisor\.notify_cmnd: unknown key "notify_cmnd" → did you mean "notify_cmd"\?/,
        );
        return true;
      },
    );
  });
});

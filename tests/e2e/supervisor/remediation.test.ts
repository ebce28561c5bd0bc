import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { assertDockerAvailable, dockerSuite } from '../../helpers/docker.js';
import {
  startSupervisedBottle,
  SUPERVISED_BOTTLE,
  waitForProposal,
  withPath,
  type SupervisedBottle,
} from './fixture.js';

// A real bottle whose agent calls the supervise tools over MCP from inside its container; the
// operator decides through the headless verbs; the proxy, the queue and the audit log are real.
const BOTTLE = SUPERVISED_BOTTLE.replace(
  'egress:\n',
  'supervise:\n  token_allow_timeout_seconds: 8\negress:\n',
);

const fakeGithubToken = () => `ghp_${'aB3dE5fG7hJ9kL1mN2pQ4rS6tU8vW0xY2zA4'.slice(0, 36)}`;

let bottle: SupervisedBottle;
const status = (path: string) =>
  bottle.asAgent(`curl -s -o /dev/null -w '%{http_code}' https://api.example.test${path}`);

describe('the supervisor closes the loop on a real bottle', dockerSuite, () => {
  before(async () => {
    assertDockerAvailable();
    bottle = await startSupervisedBottle({ bottle: BOTTLE });
  });
  after(async () => {
    await bottle?.destroy();
  });

  it('egress-proxy-block approved headless: the agent is answered approved and its retry succeeds without a restart', async () => {
    assert.equal((await status('/other')).stdout, '403');
    const proxyBefore = await containerId('egress-proxy');
    const routes = withPath(await bottle.liveRoutes(), '/other');
    assert.notEqual(routes, await bottle.liveRoutes(), 'the test edits the routes');
    const call = bottle.callTool('egress-proxy-block', {
      routes_yaml: routes,
      justification: 'I need /other',
    });
    const id = await waitForProposal(bottle, 'egress-proxy-block');
    const approved = await bottle.cli('approve', id);
    assert.equal(approved.code, 0, approved.stderr);
    const answer = await call;
    assert.equal(answer.structured?.status, 'approved', answer.text);
    assert.equal(answer.structured?.applied, true);
    assert.equal((await status('/other')).stdout, '200');
    assert.equal(await containerId('egress-proxy'), proxyBefore, 'the proxy was not restarted');
    const audit = await bottle.cli('audit', bottle.slug, '--json');
    const lines = (
      JSON.parse(audit.stdout) as { lines: { proposal_id?: string; result: string }[] }
    ).lines;
    assert.ok(
      lines.some((l) => l.proposal_id === id && l.result === 'applied'),
      audit.stdout,
    );
    const again = await bottle.cli('approve', id);
    assert.equal(again.code, 73, 'approving twice applies once');
    assert.match(again.stderr, /DECISION_EXISTS[\s\S]*approved by e2e-operator/);
  });

  it('an invalid --edit file is refused and changes nothing; a valid one is applied instead of the proposal', async () => {
    const live = await bottle.liveRoutes();
    const call = bottle.callTool('egress-proxy-block', {
      routes_yaml: withPath(live, '/wide'),
      justification: 'I need /wide',
    });
    const id = await waitForProposal(bottle, 'egress-proxy-block');
    const bad = bottle.tree.path('bad-routes.yaml');
    await writeFile(bad, 'routes:\n  - host: api.example.test\n    mehtods: [GET]\n');
    const refused = await bottle.cli('approve', id, '--edit', bad);
    assert.equal(refused.code, 65, refused.stderr);
    assert.match(refused.stderr, /ROUTES_INVALID[\s\S]*mehtods/);
    assert.equal(await bottle.liveRoutes(), live, 'nothing changed');
    const listed = await bottle.cli('proposals', '--json');
    assert.ok(listed.stdout.includes(id), 'the proposal is still waiting');
    const good = bottle.tree.path('good-routes.yaml');
    await writeFile(good, withPath(live, '/narrow'));
    const approved = await bottle.cli('approve', id, '--edit', good);
    assert.equal(approved.code, 0, approved.stderr);
    assert.equal((await call).structured?.status, 'approved');
    assert.equal((await status('/narrow')).stdout, '200');
    assert.equal(
      (await status('/wide')).stdout,
      '403',
      'the operator’s file, not the agent’s, is live',
    );
  });

  it('a newer proposal for the same file supersedes the older; one made on a file that changed since is refused as stale', async () => {
    const live = await bottle.liveRoutes();
    const first = bottle.callTool('egress-proxy-block', {
      routes_yaml: withPath(live, '/one'),
      justification: 'one',
    });
    const firstId = await waitForProposal(bottle, 'egress-proxy-block');
    const second = bottle.callTool('egress-proxy-block', {
      routes_yaml: withPath(live, '/two'),
      justification: 'two',
    });
    let secondId = '';
    for (let i = 0; i < 200 && !secondId; i++) {
      const listed = JSON.parse((await bottle.cli('proposals', '--json')).stdout) as {
        proposals: { id: string }[];
      };
      secondId = listed.proposals.find((p) => p.id !== firstId)?.id ?? '';
      if (!secondId) await new Promise((r) => setTimeout(r, 100));
    }
    const superseded = await bottle.cli('approve', firstId);
    assert.equal(superseded.code, 65, superseded.stderr);
    assert.match(superseded.stderr, /PROPOSAL_SUPERSEDED/);
    assert.ok(superseded.stderr.includes(secondId), 'it names the proposal to decide');
    const answered = await first;
    assert.equal(answered.structured?.status, 'superseded');
    assert.equal((await status('/one')).stdout, '403', 'nothing of the older one was applied');

    // The operator changes the file the second proposal was made against.
    const editor = bottle.tree.path('stale-editor.sh');
    await writeFile(
      editor,
      `#!/bin/sh\nsed -i 's#^\\( *\\)- /hello$#&\\n\\1- /meanwhile#' "$1"\n`,
      {
        mode: 0o755,
      },
    );
    assert.equal((await runWithEditor(editor)).code, 0);
    const stale = await bottle.cli('approve', secondId);
    assert.equal(stale.code, 65, stale.stderr);
    assert.match(stale.stderr, /PROPOSAL_STALE/);
    const answer = await second;
    assert.equal(answer.structured?.status, 'rejected');
    assert.match(answer.text, /changed after this (change|proposal) was made/);
    assert.equal((await status('/two')).stdout, '403');
    assert.equal((await status('/meanwhile')).stdout, '200', 'the newer change stands');
  });

  it('token allow: approved lets the held request through, rejected refuses it, and an expired one is archived as expired', async () => {
    const token = fakeGithubToken();
    const held = status(`/hello?key=${token}`);
    const id = await waitForProposal(bottle, 'egress-token-allow');
    const approved = await bottle.cli('approve', id, '--reason', 'a test token');
    assert.equal(approved.code, 0, approved.stderr);
    assert.equal((await held).stdout, '200');

    const other = `ghp_${'Zy9xW8vU7tS6rQ5pO4nM3lK2jI1hG0fE9dC8'.slice(0, 36)}`;
    const refusedCall = status(`/hello?key=${other}`);
    const rejectId = await waitForProposal(bottle, 'egress-token-allow');
    const rejected = await bottle.cli('reject', rejectId, '--reason', 'not for this host');
    assert.equal(rejected.code, 0, rejected.stderr);
    assert.equal((await refusedCall).stdout, '403');

    const third = `ghp_${'Qw1eR2tY3uI4oP5aS6dF7gH8jK9lZ0xC1vB2'.slice(0, 36)}`;
    const expiring = status(`/hello?key=${third}`);
    const expiredId = await waitForProposal(bottle, 'egress-token-allow');
    assert.equal((await expiring).stdout, '403', 'the proxy refuses at its deadline');
    const late = await bottle.cli('approve', expiredId, '--reason', 'too late');
    assert.equal(late.code, 65, late.stderr);
    assert.match(late.stderr, /PROPOSAL_EXPIRED/);
    const all = JSON.parse((await bottle.cli('proposals', '--json', '--all')).stdout) as {
      proposals: { id: string; status: string }[];
    };
    assert.equal(all.proposals.find((p) => p.id === expiredId)?.status, 'expired');
    const auditText = await readFile(`${bottle.stateDir}/audit/supervisor.jsonl`, 'utf8');
    for (const value of [token, other, third, bottle.token])
      assert.ok(!auditText.includes(value), 'no secret value in the audit log');
  });

  it('routes edit applies the operator’s own change through the same engine, audited', async () => {
    const editor = bottle.tree.path('editor.sh');
    await writeFile(editor, `#!/bin/sh\nsed -i 's#^\\( *\\)- /hello$#&\\n\\1- /edited#' "$1"\n`, {
      mode: 0o755,
    });
    const edited = await runWithEditor(editor);
    assert.equal(edited.code, 0, edited.stderr);
    assert.equal((await status('/edited')).stdout, '200');
    const audit = await bottle.cli('audit', bottle.slug);
    assert.match(audit.stdout, /operator-change routes-edit by e2e-operator/);
  });

  it('audit --verify passes on the real log and names the line after one byte of it changed', async () => {
    const ok = await bottle.cli('audit', bottle.slug, '--verify');
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /intact: \d+ line/);
    const file = `${bottle.stateDir}/audit/supervisor.jsonl`;
    const text = await readFile(file, 'utf8');
    const at = text.indexOf('"reason":"') + '"reason":"'.length;
    await writeFile(file, text.slice(0, at) + (text[at] === 'X' ? 'Y' : 'X') + text.slice(at + 1));
    const bad = await bottle.cli('audit', bottle.slug, '--verify');
    assert.equal(bad.code, 1, bad.stderr);
    assert.match(bad.stderr, /AUDIT_INVALID.*line [12]:/);
    await writeFile(file, text);
  });
});

async function containerId(service: string): Promise<string> {
  const { execa } = await import('execa');
  const ps = await execa('docker', ['compose', '-f', bottle.composeFile, 'ps', '-q', service]);
  return ps.stdout.trim();
}

async function runWithEditor(editor: string) {
  const { runCliCaptured } = await import('../../helpers/cli.js');
  return runCliCaptured(['routes', 'edit', bottle.slug, '--reason', 'e2e'], {
    env: { ...bottle.env, EDITOR: editor, VISUAL: '' },
    cwd: bottle.tree.root,
  });
}

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { parse } from 'yaml';
import { installAgentMcpClient, listToolsInAgent } from '../../helpers/agent-mcp.js';
import { assertDockerAvailable, dockerSuite } from '../../helpers/docker.js';
import { tempTree, type TempTree } from '../../helpers/temp-home.js';
import { newProposalId } from '../../../mcp/queue/ids.js';
import { writeProposal } from '../../../mcp/queue/store.js';
import { startSupervisedBottle, waitForProposal, type SupervisedBottle } from './fixture.js';

// A real bottle whose agent asks over MCP for a new image; the operator approves headless; the
// supervisor builds the Dockerfile from text on the real engine and replaces only the agent.
const JQ =
  'RUN apt-get update && apt-get install -y --no-install-recommends jq && rm -rf /var/lib/apt/lists/*\n';

let repo: TempTree;
let bottle: SupervisedBottle;
let project = '';
const live = () => readFile(`${bottle.stateDir}/live-config/Dockerfile`, 'utf8');
const metadata = async () =>
  JSON.parse(await readFile(`${bottle.stateDir}/metadata.json`, 'utf8')) as {
    images: Record<string, string>;
    agent_base_image?: string;
  };
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

async function containerId(service: string): Promise<string> {
  const ps = await execa('docker', [
    'ps',
    '-q',
    '--no-trunc',
    '--filter',
    `label=com.docker.compose.project=${project}`,
    '--filter',
    `label=com.docker.compose.service=${service}`,
  ]);
  return ps.stdout.trim();
}

async function imageOf(containerId: string): Promise<string> {
  return (await execa('docker', ['inspect', '-f', '{{.Config.Image}}', containerId])).stdout.trim();
}

async function auditLines(): Promise<{ proposal_id?: string; result: string }[]> {
  const text = await readFile(`${bottle.stateDir}/audit/supervisor.jsonl`, 'utf8');
  return text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { proposal_id?: string; result: string });
}

describe('capability rebuild on a real bottle', dockerSuite, () => {
  before(async () => {
    assertDockerAvailable();
    repo = await tempTree({ 'README.md': 'committed\n' });
    const git = (...args: string[]) => execa('git', args, { cwd: repo.root });
    await git('init', '-q', '-b', 'main');
    await git('add', 'README.md');
    await git('-c', 'user.name=t', '-c', 'user.email=t@x.test', 'commit', '-qm', 'init');
    bottle = await startSupervisedBottle({
      startArgs: ['--repo', repo.root, '--branch', 'agent/e2e'],
    });
    project = `cb-${bottle.slug}`;
  });
  after(async () => {
    await bottle?.destroy();
    await repo?.remove();
  });

  it('records the stock agent image at start', async () => {
    const meta = await metadata();
    assert.match(meta.agent_base_image ?? '', /^claude-bottle\/agent:/);
    assert.equal(
      meta.images.agent,
      meta.agent_base_image,
      'the default Dockerfile runs the stock image',
    );
    assert.equal(
      meta.images.agentBase,
      undefined,
      'the stock tag is not one of the images the bottle runs',
    );
  });

  it('approved: the agent is answered, then only its container is replaced on the new image, state kept', async (t) => {
    const seeded = await bottle.asAgent(
      'echo wip > /workspace/uncommitted.txt && echo session > /home/agent/.transcript/session.jsonl && ! command -v jq',
    );
    assert.equal(seeded.exitCode, 0, seeded.stderr);
    const before = {
      agent: await containerId('agent'),
      proxy: await containerId('egress-proxy'),
      supervise: await containerId('supervise'),
      compose: await readFile(bottle.composeFile, 'utf8'),
      metadata: await metadata(),
    };
    const dockerfile = `${await live()}${JQ}`;
    const call = bottle.callTool('capability-block', { dockerfile, justification: 'I need jq' });
    const id = await waitForProposal(bottle, 'capability-block');
    const started = Date.now();
    const approved = await bottle.cli('approve', id, '--reason', 'x');
    const approveMs = Date.now() - started;
    assert.equal(approved.code, 0, approved.stderr);
    assert.match(approved.stdout, /workspace, branch and session are kept; the agent runs on/);
    const answer = await call;
    assert.equal(answer.structured?.status, 'approved', answer.text);
    assert.equal(answer.structured?.applied, true);
    assert.match(answer.structured?.reason ?? '', /restarts on the new image/);
    const decidedAt = (await stat(`${bottle.stateDir}/queue/decided/${id}.json`)).mtimeMs;
    t.diagnostic(
      `approve took ${(approveMs / 1000).toFixed(1)}s; decision → agent ready ${((started + approveMs - decidedAt) / 1000).toFixed(1)}s; build ${/agent-sealed:\S+ \(cached\)/.test(approved.stderr) ? 'cached' : 'ran'}`,
    );

    const meta = await metadata();
    assert.notEqual(meta.images.agent, before.metadata.images.agent);
    assert.match(meta.images.agent ?? '', /^claude-bottle\/agent-sealed:/);
    const agent = await containerId('agent');
    assert.notEqual(agent, before.agent, 'the agent container was replaced');
    assert.equal(await imageOf(agent), meta.images.agent);
    assert.equal(await containerId('egress-proxy'), before.proxy, 'the proxy was not recreated');
    assert.equal(await containerId('supervise'), before.supervise, 'supervise was not recreated');
    assert.equal(await live(), dockerfile);
    // approve ran without the proxy's secret in its environment; the proxy, untouched, still
    // injects it, and the new agent still trusts the bottle CA through it.
    assert.equal(bottle.env.EGRESS_SECRET_UPSTREAM, undefined);
    const hello = await bottle.asAgent('curl -sf https://api.example.test/hello');
    assert.equal(hello.exitCode, 0, hello.stderr);
    assert.equal(
      (JSON.parse(hello.stdout) as { authorization_sha256: string }).authorization_sha256,
      sha256(`Bearer ${bottle.token}`),
    );

    const after = await bottle.asAgent(
      'jq --version && cat /workspace/uncommitted.txt && git -C /workspace rev-parse --abbrev-ref HEAD && cat /home/agent/.transcript/session.jsonl',
    );
    assert.equal(after.exitCode, 0, after.stderr);
    assert.match(after.stdout, /^jq-[\d.]+\nwip\nagent\/e2e\nsession$/);
    // The MCP token is still the one in the compose file: the new agent lists the tools with it.
    await installAgentMcpClient(bottle.composeFile);
    assert.ok((await listToolsInAgent(bottle.composeFile)).includes('capability-block'));

    // Only the agent's image changed in the compose file, which compose still reads.
    const composeNow = parse(await readFile(bottle.composeFile, 'utf8')) as {
      services: { agent: { image: string } };
    };
    assert.equal(composeNow.services.agent.image, meta.images.agent);
    const expected = parse(before.compose) as typeof composeNow;
    expected.services.agent.image = meta.images.agent!;
    assert.deepEqual(composeNow, expected);
    const config = await execa('docker', ['compose', '-f', bottle.composeFile, 'config', '-q'], {
      env: bottle.env,
      reject: false,
    });
    assert.equal(config.exitCode, 0, config.stderr);

    const lines = (await auditLines()).filter((l) => l.proposal_id === id);
    assert.deepEqual(
      lines.map((l) => l.result),
      ['applied', 'restarted'],
    );
  });

  it('a failed build changes nothing: approve fails, the agent is answered applied:false with the error', async () => {
    await installAgentMcpClient(bottle.composeFile);
    const before = {
      agent: await containerId('agent'),
      dockerfile: await live(),
      compose: await readFile(bottle.composeFile, 'utf8'),
      image: (await metadata()).images.agent,
    };
    const call = bottle.callTool('capability-block', {
      dockerfile: `${before.dockerfile}RUN false\n`,
      justification: 'this one cannot build',
    });
    const id = await waitForProposal(bottle, 'capability-block');
    const approved = await bottle.cli('approve', id, '--reason', 'x');
    assert.equal(approved.code, 70, approved.stderr);
    assert.match(approved.stderr, /APPLY_FAILED[\s\S]*did not build[\s\S]*non-zero code/);
    const answer = await call;
    assert.equal(answer.structured?.status, 'approved', answer.text);
    assert.equal(answer.structured?.applied, false);
    assert.match(answer.structured?.reason ?? '', /did not build[\s\S]*false[\s\S]*non-zero code/);
    assert.equal(await containerId('agent'), before.agent);
    assert.equal(await imageOf(before.agent), before.image);
    assert.equal(await live(), before.dockerfile);
    assert.equal(await readFile(bottle.composeFile, 'utf8'), before.compose);
    assert.equal((await metadata()).images.agent, before.image);
    const lines = (await auditLines()).filter((l) => l.proposal_id === id);
    assert.deepEqual(
      lines.map((l) => l.result),
      ['failed'],
    );
  });

  it('an image the agent cannot start on is rolled back: previous image, previous Dockerfile', async () => {
    await installAgentMcpClient(bottle.composeFile);
    const before = { dockerfile: await live(), image: (await metadata()).images.agent };
    // Builds fine, but the entrypoint drops privileges with setpriv: the agent exits at set-up.
    const call = bottle.callTool('capability-block', {
      dockerfile: `${before.dockerfile}RUN rm /usr/bin/setpriv\n`,
      justification: 'builds, cannot start',
    });
    const id = await waitForProposal(bottle, 'capability-block');
    const approved = await bottle.cli('approve', id, '--reason', 'x');
    assert.equal(approved.code, 70, approved.stderr);
    assert.match(approved.stderr, /APPLY_FAILED[\s\S]*did not come up[\s\S]*previous image/);
    assert.equal((await call).structured?.status, 'approved', 'answered before the restart');
    assert.equal(await imageOf(await containerId('agent')), before.image);
    assert.equal((await metadata()).images.agent, before.image);
    assert.equal(await live(), before.dockerfile);
    const check = await bottle.asAgent('jq --version && cat /workspace/uncommitted.txt');
    assert.equal(check.exitCode, 0, check.stderr);
    const lines = (await auditLines()).filter((l) => l.proposal_id === id);
    assert.deepEqual(
      lines.map((l) => l.result),
      ['applied', 'restart-failed'],
    );
  });

  it('a stopped bottle: an invalid edit changes nothing; a valid one is built and the next resume runs it', async () => {
    const stopped = await bottle.cli('stop', bottle.slug);
    assert.equal(stopped.code, 0, stopped.stderr);
    const base = await live();
    const proposal = {
      v: 1 as const,
      id: newProposalId('agent'),
      tool: 'capability-block' as const,
      justification: 'filed while the bottle is stopped',
      payload: {
        dockerfile: `${base}RUN touch /usr/local/bin/proposed\n`,
        base_sha256: sha256(base),
      },
      created_at: new Date().toISOString(),
    };
    await writeProposal(`${bottle.stateDir}/queue`, 'agent', proposal);
    await bottle.tree.write('bad.Dockerfile', `${base}RUNN touch /nope\n`);
    const refused = await bottle.cli(
      'approve',
      proposal.id,
      '--edit',
      bottle.tree.path('bad.Dockerfile'),
    );
    assert.equal(refused.code, 65, refused.stderr);
    assert.match(refused.stderr, /DOCKERFILE_INVALID[\s\S]*RUNN/);
    assert.equal(await live(), base, 'nothing changed');
    const edited = `${base}RUN touch /usr/local/bin/edited\n`;
    await bottle.tree.write('good.Dockerfile', edited);
    const approved = await bottle.cli(
      'approve',
      proposal.id,
      '--edit',
      bottle.tree.path('good.Dockerfile'),
    );
    assert.equal(approved.code, 0, approved.stderr);
    assert.match(approved.stdout, /not running: it resumes on the new image/);
    assert.equal(await live(), edited);
    const image = (await metadata()).images.agent!;
    const compose = parse(await readFile(bottle.composeFile, 'utf8')) as {
      services: { agent: { image: string } };
    };
    assert.equal(compose.services.agent.image, image);
    const decided = JSON.parse(
      await readFile(`${bottle.stateDir}/queue/decided/${proposal.id}.json`, 'utf8'),
    ) as { applied: boolean; modified_payload?: { dockerfile: string } };
    assert.equal(decided.applied, true);
    assert.equal(decided.modified_payload?.dockerfile, edited);

    const resumed = await bottle.cli('resume', bottle.slug);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal(await imageOf(await containerId('agent')), image);
    const check = await bottle.asAgent(
      'test -f /usr/local/bin/edited && ! test -e /usr/local/bin/proposed && jq --version && cat /workspace/uncommitted.txt',
    );
    assert.equal(check.exitCode, 0, check.stderr);
  });
});

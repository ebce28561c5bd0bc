import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { execa, type ResultPromise } from 'execa';
import { sha256 } from '../../../images/egress-proxy/routes/parse.js';
import { parseReloadEvent } from '../../../images/egress-proxy/reload-events.js';
import { assertDockerAvailable, dockerSuite } from '../../helpers/docker.js';
import { startSupervisedBottle, waitForProposal, type SupervisedBottle } from './fixture.js';

// Operator rules on a real bottle: the agent files egress-proxy-block proposals through the
// real MCP server from inside its container; `supervise --no-tui` (a real process, stopped by
// SIGTERM) approves the plain npm one by the rule in config.yaml — through the real apply
// engine, confirmed by the proxy's own routes_loaded line — and leaves the one with a
// credential for a person.
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = `import { runCli } from ${JSON.stringify(`${ROOT}launcher/cli.ts`)}; process.exitCode = await runCli(process.argv.slice(1));`;
const CONFIG = `supervisor:
  rules:
    - name: npm-read
      tool: egress-proxy-block
      hosts: ["*.npmjs.test"]
      methods: [GET, HEAD]
`;

interface AuditLine {
  proposal_id?: string;
  decision: string;
  operator: string;
  reason: string;
  result: string;
  sha256_after?: string;
}

let bottle: SupervisedBottle;
let supervisor: ResultPromise | undefined;
let out = '';
let err = '';

async function waitFor(what: string, check: () => boolean, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline)
      throw new Error(`never saw ${what}\n--- stdout\n${out}\n--- stderr\n${err}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function auditLines(): Promise<AuditLine[]> {
  const run = await bottle.cli('audit', bottle.slug, '--json');
  assert.equal(run.code, 0, run.stderr);
  return (JSON.parse(run.stdout) as { lines: AuditLine[] }).lines;
}

async function statusOf(id: string): Promise<string | undefined> {
  const run = await bottle.cli('proposals', '--json', '--all', '--bottle', bottle.slug);
  assert.equal(run.code, 0, run.stderr);
  const { proposals } = JSON.parse(run.stdout) as { proposals: { id: string; status: string }[] };
  return proposals.find((p) => p.id === id)?.status;
}

describe('operator rules: supervise --no-tui on a real bottle', dockerSuite, () => {
  before(async () => {
    assertDockerAvailable();
    bottle = await startSupervisedBottle();
    await writeFile(`${bottle.home}/config.yaml`, CONFIG);
    supervisor = execa(
      'node',
      ['--import', 'tsx', '--input-type=module', '-e', CLI, 'supervise', '--no-tui', '--verbose'],
      { env: bottle.env, cwd: ROOT, reject: false },
    );
    supervisor.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    supervisor.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
    await waitFor('the headless supervisor start', () =>
      err.includes('supervise --no-tui: watching every bottle with 1 operator rule(s)'),
    );
  });
  after(async () => {
    supervisor?.kill('SIGKILL');
    await bottle?.destroy();
  });

  it('auto-approves an npm GET/HEAD route as auto:npm-read, live in the proxy; leaves one with auth pending', async () => {
    const live = await bottle.liveRoutes();
    const npm = `${live}  - host: registry.npmjs.test\n    methods: [GET, HEAD]\n`;
    const answer = await bottle.callTool('egress-proxy-block', {
      routes_yaml: npm,
      justification: 'npm install needs the registry',
    });
    assert.equal(answer.structured?.status, 'approved', answer.text);
    assert.equal(answer.structured?.applied, true, answer.text);
    const id = answer.structured.proposal_id;
    await waitFor('the auto-decision line', () => out.includes(id));
    assert.match(
      out,
      new RegExp(
        `^approved ${id} \\(egress-proxy-block, ${bottle.slug}\\) by rule npm-read: the proxy enforces the new routes`,
        'm',
      ),
    );
    assert.equal(await bottle.liveRoutes(), npm);

    const approved = (await auditLines()).find((line) => line.proposal_id === id);
    assert.ok(approved, 'an audit line for the auto-approval');
    assert.equal(approved.operator, 'auto:npm-read');
    assert.equal(approved.decision, 'approved');
    assert.equal(approved.result, 'applied');
    assert.match(
      approved.reason,
      /^operator rule "npm-read": adds only GET, HEAD on registry\.npmjs\.test$/,
    );
    assert.equal(approved.sha256_after, sha256(npm));
    const logs = await execa('docker', [
      'compose',
      '-f',
      bottle.composeFile,
      'logs',
      '--no-log-prefix',
      'egress-proxy',
    ]);
    const loaded = `${logs.stdout}\n${logs.stderr}`
      .split('\n')
      .map((line) => parseReloadEvent(line))
      .filter((event) => event?.event === 'routes_loaded');
    assert.ok(
      loaded.some((event) => event?.sha256 === sha256(npm)),
      `the proxy's routes_loaded names the new file: ${JSON.stringify(loaded)}`,
    );

    // The same rule's hosts and methods, but the route sends the bottle's secret: a person's call.
    const withAuth = `${npm}  - host: mirror.npmjs.test\n    methods: [GET, HEAD]\n    auth: { header: Authorization, secret: upstream }\n`;
    const call = bottle.callTool('egress-proxy-block', {
      routes_yaml: withAuth,
      justification: 'the mirror needs my token',
    });
    const second = await waitForProposal(bottle, 'egress-proxy-block');
    assert.notEqual(second, id);
    await waitFor('the debug line leaving it for a person', () =>
      err.includes(`left for a person: ${second}`),
    );
    const left = err.split('\n').find((line) => line.includes(`left for a person: ${second}`))!;
    assert.match(left, /mirror\.npmjs\.test: sends a credential \(auth\)/);
    assert.equal(await statusOf(second), 'pending');
    assert.ok(!(await auditLines()).some((line) => line.proposal_id === second));
    assert.ok(!out.includes(second), 'no auto-decision line for it');
    assert.equal(await bottle.liveRoutes(), npm);

    const rejected = await bottle.cli('reject', second, '--reason', 'no token to the mirror');
    assert.equal(rejected.code, 0, rejected.stderr);
    assert.equal((await call).structured?.status, 'rejected');
    assert.ok(!`${out}${err}`.includes(bottle.token), 'no secret value in the output');

    supervisor!.kill('SIGTERM');
    const exited = await supervisor!;
    assert.equal(exited.exitCode, 0, String(exited.stderr));
    supervisor = undefined;
  });
});

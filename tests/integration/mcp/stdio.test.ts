import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { decideLater, startStdio, type Running } from './helpers/clients.js';
import { DOCKERFILE, FINDING_ID, makeState, ROUTES_YAML, type TestState } from './helpers/state.js';

type Outcome = { proposal_id: string; status: string; reason: string; applied: boolean };

async function withServer(
  extra: string[],
  body: (server: Running, state: TestState) => Promise<void>,
): Promise<void> {
  const state = await makeState();
  const server = await startStdio(state.dir, extra);
  try {
    await body(server, state);
  } finally {
    await server.close();
    await state.cleanup();
  }
}

function routesWith(host: string): string {
  return `${ROUTES_YAML}  - host: ${host}\n`;
}

async function call(server: Running, name: string, args: Record<string, unknown>) {
  const result = await server.client.callTool({ name, arguments: args });
  return result as {
    isError?: boolean;
    content: { type: string; text: string }[];
    structuredContent?: Outcome;
  };
}

/** Polls until `check` holds; bounded so a broken server fails the test instead of hanging it. */
async function eventually(check: () => Promise<boolean> | boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await sleep(50);
  }
  assert.fail(`never happened: ${what}`);
}

describe('supervise over stdio', () => {
  it('lists the four tools with input and output schemas and annotations', () =>
    withServer([], async (server) => {
      const { tools } = await server.client.listTools();
      assert.deepEqual(tools.map((t) => t.name).sort(), [
        'await-proposal',
        'capability-block',
        'egress-proxy-block',
        'gitleaks-allow',
      ]);
      const byName = new Map(tools.map((t) => [t.name, t]));
      assert.deepEqual(byName.get('egress-proxy-block')?.inputSchema.required, [
        'routes_yaml',
        'justification',
      ]);
      assert.deepEqual(byName.get('capability-block')?.inputSchema.required, [
        'dockerfile',
        'justification',
      ]);
      assert.deepEqual(byName.get('gitleaks-allow')?.inputSchema.required, [
        'finding_ids',
        'justification',
      ]);
      assert.deepEqual(byName.get('await-proposal')?.inputSchema.required, ['proposal_id']);
      for (const tool of tools) {
        assert.deepEqual(tool.outputSchema?.required, [
          'proposal_id',
          'status',
          'reason',
          'applied',
        ]);
        assert.equal(tool.annotations?.destructiveHint, false);
        assert.equal(tool.annotations?.openWorldHint, false);
      }
      assert.equal(byName.get('await-proposal')?.annotations?.readOnlyHint, true);
    }));

  it('exposes every live-config file as a read-only resource with its content', () =>
    withServer([], async (server, state) => {
      const { resources } = await server.client.listResources();
      assert.deepEqual(
        resources.map((r) => r.uri),
        ['Dockerfile', 'README.md', 'gitleaks-allowlist', 'routes.yaml'].map(
          (n) => `claude-bottle://live-config/${n}`,
        ),
      );
      const read = await server.client.readResource({
        uri: 'claude-bottle://live-config/routes.yaml',
      });
      assert.equal((read.contents[0] as { text: string }).text, ROUTES_YAML);
      // A file the supervisor adds later appears without a restart.
      await writeFile(join(state.dir, 'live-config', 'git-policy.json'), '{}\n');
      const again = await server.client.listResources();
      assert.ok(again.resources.some((r) => r.name === 'git-policy.json'));
      await assert.rejects(
        server.client.readResource({ uri: 'claude-bottle://live-config/..%2Fmcp-token' }),
      );
    }));

  it('refuses each bad input with isError and queues nothing', () =>
    withServer([], async (server, state) => {
      const big = 'x'.repeat(8 * 1024 + 1);
      const cases: [string, Record<string, unknown>, RegExp][] = [
        ['egress-proxy-block', { routes_yaml: 'routes: [\n', justification: 'j' }, /invalid YAML/],
        [
          'egress-proxy-block',
          { routes_yaml: 'routes:\n  - host: https://x.test/\n', justification: 'j' },
          /host must be/,
        ],
        [
          'egress-proxy-block',
          { routes_yaml: `#${'x'.repeat(256 * 1024)}\nroutes: []\n`, justification: 'j' },
          /larger than 256 KiB/,
        ],
        [
          'egress-proxy-block',
          { routes_yaml: ROUTES_YAML, justification: big },
          /larger than 8 KiB/,
        ],
        [
          'egress-proxy-block',
          { routes_yaml: ROUTES_YAML, justification: '  ' },
          /justification is empty/,
        ],
        [
          'egress-proxy-block',
          { routes_yaml: ROUTES_YAML, justification: 'j', id: 'agent-x' },
          /Unrecognized key|unrecognized/i,
        ],
        [
          'capability-block',
          { dockerfile: 'RUN echo hi\n', justification: 'j' },
          /before any FROM/,
        ],
        ['capability-block', { dockerfile: '# only a comment\n', justification: 'j' }, /no FROM/],
        [
          'capability-block',
          { dockerfile: 'FROM x\nFORM y\n', justification: 'j' },
          /did you mean FROM/,
        ],
        [
          'capability-block',
          { dockerfile: 'FROM debian\nCOPY --from=private/img /k /k\n', justification: 'j' },
          /built FROM \$\{AGENT_IMAGE\}[\s\S]*another image/,
        ],
        [
          'gitleaks-allow',
          { finding_ids: ['f-ffffffffffffffff'], justification: 'j' },
          /unknown finding id/,
        ],
        [
          'gitleaks-allow',
          { finding_ids: ['../../etc/passwd'], justification: 'j' },
          /finding id looks like/,
        ],
        ['gitleaks-allow', { finding_ids: [], justification: 'j' }, /at least one/],
        ['await-proposal', { proposal_id: 'agent-20260101T000000Z-0000dead' }, /no proposal/],
        ['await-proposal', { proposal_id: '../decided/x' }, /proposal id looks like/],
      ];
      for (const [name, args, expected] of cases) {
        const result = await call(server, name, args);
        assert.equal(result.isError, true, `${name} ${JSON.stringify(args).slice(0, 80)}`);
        assert.match(result.content[0]!.text, expected);
      }
      assert.deepEqual(await state.pendingAgent(), []);
    }));

  it('returns a rejection that another process wrote', () =>
    withServer([], async (server, state) => {
      const decided = decideLater(
        state.queueDir,
        'gitleaks-allow',
        'rejected',
        'that is a real key',
      );
      const result = await call(server, 'gitleaks-allow', {
        finding_ids: [FINDING_ID],
        justification: 'test fixture',
      });
      assert.equal(result.isError, undefined);
      assert.equal(result.structuredContent?.status, 'rejected');
      assert.equal(result.structuredContent?.proposal_id, await decided);
      assert.equal(result.structuredContent?.applied, false);
      assert.match(result.content[0]!.text, /that is a real key.*Do not resubmit/s);
      const [file] = await state.pendingAgent();
      const queued = JSON.parse(
        await readFile(join(state.queueDir, 'pending', 'agent', file!), 'utf8'),
      ) as { justification: string; payload: { findings: { fingerprint: string }[] } };
      assert.equal(queued.payload.findings[0]!.fingerprint.endsWith(':3'), true);
      assert.equal(queued.justification, 'test fixture');
    }));

  it('decides two concurrent proposals of different tools out of order', () =>
    withServer([], async (server, state) => {
      const capability = call(server, 'capability-block', {
        dockerfile: `${DOCKERFILE}RUN apt-get install -y jq\n`,
        justification: 'needs jq',
      });
      let capabilitySettled = false;
      void capability.then(() => (capabilitySettled = true));
      await eventually(async () => (await state.pendingAgent()).length === 1, 'capability queued');
      const routes = call(server, 'egress-proxy-block', {
        routes_yaml: routesWith('registry.npmjs.org'),
        justification: 'npm install',
      });
      const routesId = await decideLater(state.queueDir, 'egress-proxy-block', 'approved', 'ok');
      const routesResult = await routes;
      assert.equal(routesResult.structuredContent?.proposal_id, routesId);
      assert.equal(routesResult.structuredContent?.status, 'approved');
      assert.equal(routesResult.structuredContent?.applied, true);
      assert.equal(capabilitySettled, false, 'the undecided proposal must still be waiting');
      const capabilityId = await decideLater(
        state.queueDir,
        'capability-block',
        'rejected',
        'use the apt cache',
      );
      const capabilityResult = await capability;
      assert.equal(capabilityResult.structuredContent?.proposal_id, capabilityId);
      assert.equal(capabilityResult.structuredContent?.status, 'rejected');
      assert.notEqual(routesId, capabilityId);
    }));

  it('keeps a proposal queued when the client cancels the call', () =>
    withServer([], async (server, state) => {
      const controller = new AbortController();
      const cancelled = server.client.callTool(
        {
          name: 'capability-block',
          arguments: { dockerfile: `${DOCKERFILE}RUN true\n`, justification: 'j' },
        },
        undefined,
        { signal: controller.signal },
      );
      await eventually(async () => (await state.pendingAgent()).length === 1, 'proposal queued');
      controller.abort();
      await assert.rejects(cancelled);
      await eventually(() => server.stderr().includes('"wait_cancelled"'), 'server saw the cancel');
      const [file] = await state.pendingAgent();
      assert.ok(file, 'the proposal is still pending after the cancel');
      const id = file.replace(/\.json$/, '');
      const decided = decideLater(state.queueDir, 'capability-block', 'approved', 'fine');
      const result = await call(server, 'await-proposal', { proposal_id: id });
      assert.equal(await decided, id);
      assert.equal(result.structuredContent?.status, 'approved');
    }));
});

describe('supervise over stdio with a short --max-wait', () => {
  it('returns pending after the bound, then await-proposal returns the decision', () =>
    withServer(['--max-wait', '1'], async (server, state) => {
      const first = await call(server, 'egress-proxy-block', {
        routes_yaml: routesWith('pypi.org'),
        justification: 'pip install',
      });
      assert.equal(first.structuredContent?.status, 'pending');
      const id = first.structuredContent.proposal_id;
      assert.match(first.content[0]!.text, /Call await-proposal/);
      const decided = decideLater(state.queueDir, 'egress-proxy-block', 'approved', 'go ahead');
      let outcome: Outcome | undefined;
      for (let i = 0; i < 60 && outcome?.status !== 'approved'; i++) {
        outcome = (await call(server, 'await-proposal', { proposal_id: id })).structuredContent;
        assert.ok(outcome?.status === 'pending' || outcome?.status === 'approved');
      }
      assert.equal(await decided, id);
      assert.deepEqual(outcome, {
        proposal_id: id,
        status: 'approved',
        reason: 'go ahead',
        applied: true,
      });
    }));

  it('re-attaches an identical resubmission instead of queueing a duplicate', () =>
    withServer(['--max-wait', '1'], async (server, state) => {
      const first = await call(server, 'egress-proxy-block', {
        routes_yaml: routesWith('crates.io'),
        justification: 'cargo build',
      });
      // Same routes in another spelling (comment, flow style) and another justification.
      const second = await call(server, 'egress-proxy-block', {
        routes_yaml: `# again\nroutes:\n  - {host: api.github.com, methods: [get]}\n  - host: crates.io\n`,
        justification: 'cargo build, please',
      });
      assert.equal(second.structuredContent?.proposal_id, first.structuredContent?.proposal_id);
      assert.equal((await state.pendingAgent()).length, 1);
      const different = await call(server, 'egress-proxy-block', {
        routes_yaml: routesWith('static.crates.io'),
        justification: 'cargo build',
      });
      assert.notEqual(
        different.structuredContent?.proposal_id,
        first.structuredContent?.proposal_id,
      );
      assert.equal((await state.pendingAgent()).length, 2);
    }));

  it('ignores foreign, malformed and misplaced queue files, and decisions for unknown ids', () =>
    withServer(['--max-wait', '1'], async (server, state) => {
      const routesYaml = routesWith('foreign.test');
      const payload = {
        routes_yaml: routesYaml,
        base_sha256: createHash('sha256').update(ROUTES_YAML).digest('hex'),
      };
      const tokenPayload = {
        host: 'x.test',
        method: 'GET',
        path: '/',
        detector: 'github-pat',
        redacted_context: 'ghp_…',
        value_sha256: 'b'.repeat(64),
      };
      const proposal = (id: string, tool: string) =>
        JSON.stringify({
          v: 1,
          id,
          tool,
          justification: 'planted',
          payload: tool === 'egress-token-allow' ? tokenPayload : payload,
          created_at: new Date().toISOString(),
        });
      const agentDir = join(state.queueDir, 'pending', 'agent');
      const proxyDir = join(state.queueDir, 'pending', 'egress-proxy');
      await mkdir(proxyDir, { recursive: true });
      const inProxyFolder = 'agent-20260101T000000Z-22222222';
      const foreignTool = 'agent-20260101T000000Z-33333333';
      const foreignId = 'egress-proxy-20260101T000000Z-44444444';
      await writeFile(
        join(proxyDir, `${inProxyFolder}.json`),
        proposal(inProxyFolder, 'egress-proxy-block'),
      );
      await writeFile(
        join(agentDir, `${foreignTool}.json`),
        proposal(foreignTool, 'egress-token-allow'),
      );
      await writeFile(
        join(agentDir, `${foreignId}.json`),
        proposal(foreignId, 'egress-proxy-block'),
      );
      await writeFile(join(agentDir, 'agent-20260101T000000Z-55555555.json'), '{ not json');
      await writeFile(
        join(state.queueDir, 'decided', 'agent-20260101T000000Z-66666666.json'),
        JSON.stringify({
          v: 1,
          id: 'agent-20260101T000000Z-66666666',
          decision: 'approved',
          reason: '',
          decided_by: 'x',
          decided_at: new Date().toISOString(),
        }),
      );
      for (const id of [inProxyFolder, foreignTool]) {
        const result = await call(server, 'await-proposal', { proposal_id: id });
        assert.equal(result.isError, true, id);
      }
      const result = await call(server, 'egress-proxy-block', {
        routes_yaml: routesYaml,
        justification: 'j',
      });
      const id = result.structuredContent?.proposal_id;
      assert.equal(result.structuredContent?.status, 'pending');
      assert.ok(
        id && ![inProxyFolder, foreignTool, foreignId].includes(id),
        'no re-attach to a planted file',
      );
      await access(join(agentDir, `${id}.json`));
      assert.match(server.stderr(), /"queue_file_skipped".*malformed JSON/);
      assert.match(server.stderr(), /may not be filed by source/);
    }));
});

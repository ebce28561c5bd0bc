import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { assertDockerAvailable, dockerSuite } from '../../helpers/docker.js';
import {
  startSupervisedBottle,
  waitForProposal,
  withPath,
  type SupervisedBottle,
} from './fixture.js';

// A real bottle: the agent's requests are refused by the real proxy, which keeps them in
// state/<slug>/egress-proxy/denied/denied.jsonl; the agent files an egress-proxy-block over
// MCP; `proposals --json` replays the refusals against it with the proxy's own matcher.

interface Request {
  method: string;
  host: string;
  port: number;
  path: string;
  reason: string;
}
interface Replay {
  requests: number;
  unblocked: Request[];
  still_blocked: Request[];
  already_admitted: Request[];
  not_routes: Request[];
  skipped_lines: number;
  problem?: string;
}

let bottle: SupervisedBottle;
const curl = (args: string) =>
  bottle.asAgent(`curl -s -m 15 -o /dev/null -w '%{http_code}' ${args}`);
const named = (requests: Request[]) =>
  requests.map((r) => `${r.method} ${r.host}:${r.port}${r.path}`).sort();

async function deniedLines(count: number): Promise<Record<string, unknown>[]> {
  const file = `${bottle.stateDir}/egress-proxy/denied/denied.jsonl`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    const text = await readFile(file, 'utf8').catch(() => '');
    const lines = text.split('\n').filter((line) => line !== '');
    if (lines.length >= count)
      return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    if (Date.now() > deadline) throw new Error(`denied.jsonl holds ${lines.length}: ${text}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe(
  'replay: the agent’s real refused requests against a proposal, on a real bottle',
  dockerSuite,
  () => {
    before(async () => {
      assertDockerAvailable();
      bottle = await startSupervisedBottle();
    });
    after(async () => {
      await bottle?.destroy();
    });

    it('proposals --json names exactly the refused requests the proposal admits, and the rest as blocked', async () => {
      assert.equal((await curl('https://api.example.test/hello')).stdout, '200');
      const refused = [
        'https://api.example.test/alpha',
        "'https://api.example.test/alpha/deeper?token=query-marker-77'",
        'https://api.example.test/beta',
        '-X POST --data x https://api.example.test/hello',
        'https://other.example.test/x',
        '-X POST --data x https://api.example.test/repo.git/git-receive-pack',
      ];
      for (const args of refused) assert.equal((await curl(args)).stdout, '403', args);
      const lines = await deniedLines(refused.length);
      assert.equal(lines.length, refused.length, 'the allowed request is not in the denied log');
      const text = await readFile(`${bottle.stateDir}/egress-proxy/denied/denied.jsonl`, 'utf8');
      assert.ok(!text.includes('query-marker'), 'no query reaches the denied log');
      assert.ok(!text.includes(bottle.token), 'no credential reaches the denied log');

      const call = bottle.callTool('egress-proxy-block', {
        routes_yaml: withPath(await bottle.liveRoutes(), '/alpha'),
        justification: 'I need /alpha',
      });
      const id = await waitForProposal(bottle, 'egress-proxy-block');
      const listed = await bottle.cli('proposals', '--json', '--bottle', bottle.slug);
      assert.equal(listed.code, 0, listed.stderr);
      const { proposals } = JSON.parse(listed.stdout) as {
        proposals: { id: string; replay?: Replay }[];
      };
      const replay = proposals.find((p) => p.id === id)?.replay;
      assert.ok(replay, listed.stdout);
      assert.equal(replay.problem, undefined, replay.problem);
      assert.deepEqual(named(replay.unblocked), [
        'GET api.example.test:443/alpha',
        'GET api.example.test:443/alpha/deeper',
      ]);
      assert.deepEqual(named(replay.still_blocked), [
        'GET api.example.test:443/beta',
        'GET other.example.test:443/x',
        'POST api.example.test:443/hello',
      ]);
      assert.deepEqual(named(replay.not_routes), [
        'POST api.example.test:443/repo.git/git-receive-pack',
      ]);
      assert.equal(replay.not_routes[0]?.reason, 'git-push');
      assert.deepEqual(replay.already_admitted, []);
      assert.equal(replay.requests, refused.length);
      assert.equal(replay.skipped_lines, 0);

      const plain = await bottle.cli('proposals', '--bottle', bottle.slug);
      assert.match(
        plain.stdout,
        /replay: 2 of the agent's refused requests would be admitted, 3 stay blocked/,
      );

      const rejected = await bottle.cli('reject', id, '--reason', 'replay checked');
      assert.equal(rejected.code, 0, rejected.stderr);
      assert.equal((await call).structured?.status, 'rejected');
    });
  },
);

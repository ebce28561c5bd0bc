import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DeniedEntry } from '../../../../images/egress-proxy/denied-entry.js';
import { sha256 } from '../../../../images/egress-proxy/routes/parse.js';
import type { Proposal } from '../../../../mcp/queue/schema.js';
import type { DeniedLogRead } from '../../../../supervisor/analysis/index.js';
import type { ProposalView } from '../../../../supervisor/queue/proposals.js';
import type { BottleSnapshot } from '../../../../supervisor/tui/snapshot.js';
import { DetailCache } from '../../../../supervisor/tui/detail.js';
import { SupervisorModel } from '../../../../supervisor/tui/view-model.js';

const NOW = new Date('2026-11-24T22:00:00.000Z');
const LIVE = 'routes:\n  - host: api.example.test\n    paths: [/hello]\n    methods: [GET]\n';
// eslint-disable-next-line no-control-regex
const OBEYABLE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200b-\u200f]/;

const proposal = (id: string, routesYaml: string): ProposalView => {
  const p: Proposal = {
    v: 1,
    id,
    tool: 'egress-proxy-block',
    justification: 'need /world',
    created_at: NOW.toISOString(),
    payload: { routes_yaml: routesYaml, base_sha256: sha256(LIVE) },
  };
  return { slug: 'bottle-a', source: 'agent', status: 'pending', proposal: p, queued: true };
};

let second = 0;
const refused = (method: string, path: string, extra: Partial<DeniedEntry> = {}): DeniedEntry => ({
  ts: new Date(NOW.getTime() - 60_000 + second++ * 1000).toISOString(),
  method,
  host: 'api.example.test',
  port: 443,
  path,
  reason: 'no-route',
  route: 'routes[0] (api.example.test)',
  status: 403,
  ...extra,
});

function snapshot(view: ProposalView, denied: DeniedLogRead | undefined): BottleSnapshot {
  return {
    slug: 'bottle-a',
    agent: 'scripted',
    branch: 'cb/scripted',
    status: 'running',
    proposals: [view],
    live: { routes: { text: LIVE, sha256: sha256(LIVE) } },
    skipped: [],
    ...(denied ? { denied } : {}),
  };
}

function model(view: ProposalView, denied: DeniedLogRead | undefined): SupervisorModel {
  const m = new SupervisorModel(() => NOW);
  m.update([snapshot(view, denied)]);
  return m;
}

const replaySection = (m: SupervisorModel): string[] => {
  const texts = m.detailLines().map((l) => l.text);
  const start = texts.findIndex((t) => t.startsWith("REPLAY OF THE AGENT'S REFUSED REQUESTS"));
  assert.ok(start >= 0, texts.join('\n'));
  const end = texts.indexOf('', start);
  return texts.slice(start + 1, end);
};

describe('the detail pane: the replay of the refused requests', () => {
  const WITH_WORLD = LIVE.replace('[/hello]', '[/hello, /world]');

  it('names the refused requests the proposal would admit and those that stay blocked', () => {
    const denied = {
      entries: [
        refused('GET', '/world'),
        refused('GET', '/world/x'),
        refused('GET', '/world'),
        refused('GET', '/other'),
        refused('POST', '/repo.git/git-receive-pack', { reason: 'git-push' }),
      ],
      skipped: 2,
    };
    const lines = replaySection(model(proposal('agent-1', WITH_WORLD), denied));
    assert.equal(
      lines[0],
      "  replay: 2 of the agent's refused requests would be admitted: GET api.example.test/world, GET api.example.test/world/x; 1 stay blocked: GET api.example.test/other",
    );
    assert.ok(
      lines.some((t) =>
        /^ {2}\+ admitted {2}GET api\.example\.test\/world {2}\(no-route, refused 2×\)$/.test(t),
      ),
    );
    assert.ok(
      lines.some((t) => /^ {2}- blocked {3}GET api\.example\.test\/other {2}\(no-route\)$/.test(t)),
    );
    assert.ok(
      lines.some((t) =>
        /1 refused for reasons this proposal does not change: .*git-receive-pack \(git-push\)/.test(
          t,
        ),
      ),
    );
    assert.ok(lines.some((t) => /2 line\(s\) of the denied log are not entries/.test(t)));
  });

  it('hostile hosts and paths in the log are shown escaped, never obeyed', () => {
    const denied = {
      entries: [
        refused('GET', '/world/\x1b[2J\u202eevil{bold}', { host: 'api.example.test' }),
        refused('GET', '/x', { host: 'evil\x1b]0;pwned\x07.test', reason: 'no-route' }),
      ],
      skipped: 0,
    };
    const lines = model(proposal('agent-2', WITH_WORLD), denied).detailLines();
    for (const l of lines) assert.ok(!OBEYABLE.test(l.text), JSON.stringify(l.text));
    assert.ok(lines.some((l) => l.text.includes('{bold}')));
  });

  it('says when there is nothing to replay, and updates when the log grows', () => {
    const view = proposal('agent-3', WITH_WORLD);
    const m = model(view, { entries: [], skipped: 0 });
    assert.deepEqual(replaySection(m), ['  no refused request in the denied log yet']);
    m.update([snapshot(view, { entries: [refused('GET', '/world')], skipped: 0 })]);
    assert.match(replaySection(m)[0]!, /^ {2}replay: 1 of the agent's refused requests/);
    assert.deepEqual(replaySection(model(view, undefined)), ['  the denied log was not read']);
  });

  it('an invalid proposal is a warning in the replay, not a crash', () => {
    const lines = replaySection(
      model(proposal('agent-4', 'routes: ['), { entries: [], skipped: 0 }),
    );
    assert.match(lines[0]!, /WARNING: the proposed routes\.yaml does not parse/);
  });
});

describe('DetailCache: bounded while refusals stream in', () => {
  it('keeps one body per proposal however often the denied log changes', () => {
    const cache = new DetailCache();
    const view = proposal(
      'agent-20261124T215900Z-000000cc',
      LIVE.replace('[/hello]', '[/hello, /w]'),
    );
    const live = { routes: { text: LIVE, sha256: sha256(LIVE) } };
    const entries: DeniedEntry[] = [];
    let last: string[] = [];
    for (let i = 0; i < 50; i++) {
      entries.push(refused('GET', `/w/${i}`));
      last = cache
        .lines(view, live, {
          busy: undefined,
          moved: false,
          now: NOW,
          denied: { entries: [...entries], skipped: 0 },
        })
        .map((l) => l.text);
    }
    assert.equal(cache.size, 1);
    assert.ok(
      last.some((text) => text.includes('/w/49')),
      'the newest refusal is shown',
    );
    cache.keep(new Set());
    assert.equal(cache.size, 0);
  });
});

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { DeniedEntry } from '../../../../images/egress-proxy/denied-entry.js';
import { parseDeniedLines, readDeniedLog } from '../../../../supervisor/analysis/replay-log.js';
import {
  distinctRequests,
  replayDenied,
  requestText,
  type Replay,
} from '../../../../supervisor/analysis/replay.js';

const LIVE = 'routes:\n  - host: api.example.test\n    paths: [/hello]\n    methods: [GET]\n';
const add = (rule: string) => `${LIVE}${rule}`;

let clock = 0;
const refused = (
  method: string,
  host: string,
  path: string,
  extra: Partial<DeniedEntry> = {},
): DeniedEntry => ({
  ts: new Date(Date.UTC(2026, 11, 3, 10, 0, clock++)).toISOString(),
  method,
  host,
  port: 443,
  path,
  reason: 'no-route',
  route: 'none',
  status: 403,
  ...extra,
});
const log = (...entries: DeniedEntry[]) => ({ entries, skipped: 0 });
const texts = (replay: Replay, key: keyof Replay) =>
  (replay[key] as { method: string; host: string; port: number; path: string }[])
    .map(requestText)
    .sort();

describe('replayDenied: which refused requests a proposal admits', () => {
  const denied = log(
    refused('GET', 'api.example.test', '/alpha'),
    refused('GET', 'api.example.test', '/alpha/deeper'),
    refused('GET', 'api.example.test', '/beta'),
    refused('POST', 'api.example.test', '/hello'),
    refused('GET', 'other.example.test', '/x'),
    refused('POST', 'api.example.test', '/repo.git/git-receive-pack', { reason: 'git-push' }),
    refused('GET', 'api.example.test', '/alpha', { reason: 'dlp', detector: 'github-token' }),
  );

  it('a proposal adding one path unblocks exactly what that path admits', () => {
    const replay = replayDenied(LIVE.replace('[/hello]', '[/hello, /alpha]'), LIVE, denied);
    assert.deepEqual(texts(replay, 'unblocked'), [
      'GET api.example.test/alpha',
      'GET api.example.test/alpha/deeper',
    ]);
    assert.deepEqual(texts(replay, 'still_blocked'), [
      'GET api.example.test/beta',
      'GET other.example.test/x',
      'POST api.example.test/hello',
    ]);
    // GET /alpha was also refused by DLP, which this proposal leaves on: that refusal stands,
    // and it never hides the routes refusal of the same request.
    assert.deepEqual(texts(replay, 'not_routes'), [
      'GET api.example.test/alpha',
      'POST api.example.test/repo.git/git-receive-pack',
    ]);
    assert.equal(replay.requests, 7);
    assert.equal(replay.problem, undefined);
  });

  it('a too-wide proposal shows everything it admits; a too-narrow one leaves them blocked', () => {
    const wide = replayDenied(add('  - host: "*.example.test"\n'), LIVE, denied);
    assert.deepEqual(texts(wide, 'unblocked'), [
      'GET api.example.test/alpha',
      'GET api.example.test/alpha/deeper',
      'GET api.example.test/beta',
      'GET other.example.test/x',
      'POST api.example.test/hello',
    ]);
    const narrow = replayDenied(
      add('  - host: other.example.test\n    paths: [/y]\n'),
      LIVE,
      denied,
    );
    assert.deepEqual(narrow.unblocked, []);
    assert.equal(narrow.still_blocked.length, 5);
  });

  it('a request the live routes admit by now is already admitted, not unblocked', () => {
    const live = add('  - host: other.example.test\n');
    const replay = replayDenied(add('  - host: other.example.test\n'), live, denied);
    assert.deepEqual(texts(replay, 'already_admitted'), ['GET other.example.test/x']);
    assert.deepEqual(replay.unblocked, []);
  });

  it('private-address is unblocked only by a rule that says private: true', () => {
    const denied = log(
      refused('GET', 'intranet.example.test', '/', {
        reason: 'private-address',
        route: 'routes[1] (intranet.example.test)',
      }),
    );
    const live = add('  - host: intranet.example.test\n');
    assert.equal(replayDenied(live, live, denied).still_blocked.length, 1);
    const fixed = replayDenied(
      add('  - host: intranet.example.test\n    private: true\n'),
      live,
      denied,
    );
    assert.equal(fixed.unblocked.length, 1);
  });

  it('a CONNECT refused for its address is judged on the first rule, which must be passthrough', () => {
    const denied = log(
      refused('CONNECT', 'db.example.test', '-', { port: 5432, reason: 'private-address' }),
    );
    const passthrough = add(
      '  - host: db.example.test:5432\n    tls: passthrough\n    private: true\n',
    );
    assert.equal(replayDenied(passthrough, LIVE, denied).unblocked.length, 1);
    const intercepted = add('  - host: db.example.test:5432\n    private: true\n');
    assert.equal(replayDenied(intercepted, LIVE, denied).still_blocked.length, 1);
  });

  it('the port is part of the request: a rule without one covers only 80 and 443', () => {
    const denied = log(refused('GET', 'api.example.test', '/beta', { port: 8443 }));
    const replay = replayDenied(LIVE.replace('[/hello]', '[/hello, /beta]'), LIVE, denied);
    assert.deepEqual(texts(replay, 'still_blocked'), ['GET api.example.test:8443/beta']);
    const ported = replayDenied(add('  - host: api.example.test:8443\n'), LIVE, denied);
    assert.deepEqual(texts(ported, 'unblocked'), ['GET api.example.test:8443/beta']);
  });

  it('an encoded name below a wildcard stays blocked, as the proxy would refuse it', () => {
    const name = `${'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0'}.example.org`;
    const denied = log(refused('GET', name, '/'));
    const replay = replayDenied(add('  - host: "*.example.org"\n'), LIVE, denied);
    assert.equal(replay.unblocked.length + replay.still_blocked.length, 1);
    assert.equal(replay.still_blocked.length, 1, JSON.stringify(replay));
  });

  it('an invalid proposal or an unreadable live file is said, never thrown', () => {
    const bad = replayDenied('routes: [', LIVE, denied);
    assert.match(bad.problem ?? '', /does not parse/);
    assert.equal(bad.unblocked.length + bad.still_blocked.length, 0);
    const unread = replayDenied(LIVE, undefined, denied);
    assert.match(unread.problem ?? '', /live routes\.yaml could not be read/);
    // Judged as refused now: what the candidate admits is reported as unblocked.
    assert.equal(unread.already_admitted.length, 0);
  });
});

describe('distinctRequests', () => {
  it('one per method, host, port, path and reason, counted, newest first', () => {
    const requests = distinctRequests([
      refused('GET', 'a.test', '/x', { reason: 'private-address' }),
      refused('GET', 'a.test', '/y'),
      refused('GET', 'a.test', '/x'),
      refused('GET', 'a.test', '/x', { port: 8080 }),
    ]);
    assert.deepEqual(
      requests.map((r) => [requestText(r), r.refusals, r.reason]),
      [
        ['GET a.test:8080/x', 1, 'no-route'],
        ['GET a.test/x', 1, 'no-route'],
        ['GET a.test/y', 1, 'no-route'],
        ['GET a.test/x', 1, 'private-address'],
      ],
    );
  });
});

describe('replayDenied: what a retry would really meet', () => {
  it('a proposal that turns DLP off on the matching rule counts as unblocking DLP refusals', () => {
    const denied = log(
      refused('POST', 'api.example.test', '/hello', { reason: 'dlp', detector: 'github-token' }),
      refused('POST', 'api.example.test', '/gz', { reason: 'encoded-body' }),
    );
    const open = 'routes:\n  - host: api.example.test\n';
    const off = replayDenied(`${open}    dlp: false\n`, open, denied);
    assert.deepEqual(texts(off, 'unblocked'), [
      'POST api.example.test/gz',
      'POST api.example.test/hello',
    ]);
    assert.deepEqual(replayDenied(open, open, denied).unblocked, []);
  });

  it('a time-boxed rule past its deadline and a once-rule do not count as admitting', () => {
    const denied = log(refused('GET', 'api.example.test', '/beta'));
    const rule = (grant: string) =>
      add(`  - host: api.example.test\n    paths: [/beta]\n    grant: ${grant}\n`);
    const ended = rule("{id: g-000000000010, expires_at: '2026-01-01T00:00:00Z'}");
    const once = rule('{id: g-000000000011, uses: 1}');
    for (const routes of [ended, once]) {
      const replay = replayDenied(routes, routes, denied);
      assert.deepEqual(replay.already_admitted, [], 'not admitted by the live routes');
      assert.deepEqual(texts(replay, 'still_blocked'), ['GET api.example.test/beta']);
    }
    // A grant the agent wrote into its proposal is stripped when approved: replayed as lasting.
    const forged = replayDenied(ended, LIVE, denied);
    assert.deepEqual(texts(forged, 'unblocked'), ['GET api.example.test/beta']);
    const running = rule("{id: g-000000000012, expires_at: '2999-01-01T00:00:00Z'}");
    assert.equal(replayDenied(running, running, denied).already_admitted.length, 1);
  });

  it('plain http (port 80) to a rule that injects a credential is still refused', () => {
    const denied = log(refused('GET', 'api.example.test', '/hello', { port: 80 }));
    const auth =
      'routes:\n  - host: api.example.test\n    auth: {header: Authorization, secret: tok}\n';
    assert.equal(replayDenied(auth, 'routes: []\n', denied).still_blocked.length, 1);
  });
});

describe('the denied log as the supervisor reads it', () => {
  it('bad lines are skipped and counted, never fatal', () => {
    const good = JSON.stringify(refused('GET', 'a.test', '/x'));
    const read = parseDeniedLines([good, 'not json', '{"ts":1}', '', '[]', good]);
    assert.equal(read.entries.length, 2);
    assert.equal(read.skipped, 3);
    const replay = replayDenied(LIVE, LIVE, read);
    assert.equal(replay.skipped_lines, 3);
    assert.equal(replay.requests, 1);
  });

  it('a missing file is no refusals; an unreadable one is a problem', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cb-replay-'));
    try {
      assert.deepEqual(await readDeniedLog(join(dir, 'denied.jsonl')), { entries: [], skipped: 0 });
      const read = await readDeniedLog(dir);
      assert.match(read.problem ?? '', /not a regular file/);
      // The proxy's folder: a FIFO must not hang the supervisor, a link must not be followed.
      const fifo = join(dir, 'fifo.jsonl');
      execFileSync('mkfifo', [fifo]);
      assert.match((await readDeniedLog(fifo)).problem ?? '', /not a regular file/);
      const link = join(dir, 'link.jsonl');
      await symlink('/etc/hostname', link);
      assert.match((await readDeniedLog(link)).problem ?? '', /symbolic link/);
      const file = join(dir, 'denied.jsonl');
      await writeFile(file, `${JSON.stringify(refused('GET', 'a.test', '/x'))}\nbroken`);
      const loaded = await readDeniedLog(file);
      assert.equal(loaded.entries.length, 1);
      assert.equal(loaded.skipped, 1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

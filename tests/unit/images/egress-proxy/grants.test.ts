import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duplex } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import {
  GrantLedger,
  grantEnded,
  matchSparingUses,
} from '../../../../images/egress-proxy/grants.js';
import { parseRoutesOrThrow } from '../../../../images/egress-proxy/routes/parse.js';
import { createLogger } from '../../../../lib/log.js';

const NOW = Date.parse('2026-12-04T10:00:00.000Z');
const logger = createLogger({ component: 'test', sink: { write: () => true } });
const ROUTES = parseRoutesOrThrow(`routes:
  - host: plain.example.test
  - host: timed.example.test
    grant: {id: g-timed000001, expires_at: '2026-12-04T10:02:00.000Z'}
  - host: once.example.test
    grant: {id: g-once0000001, uses: 1}
`).routes;
const hosts = (at: number, ledger: GrantLedger) =>
  ledger.inForce(ROUTES, at).routes.map((r) => r.host);

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cb-grants-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('GrantLedger', () => {
  it('leaves a time-boxed rule out from its deadline on', () => {
    const ledger = new GrantLedger(undefined, logger);
    assert.deepEqual(hosts(NOW, ledger), [
      'plain.example.test',
      'timed.example.test',
      'once.example.test',
    ]);
    assert.deepEqual(hosts(NOW + 120_000, ledger), ['plain.example.test', 'once.example.test']);
    assert.match(grantEnded(ROUTES.routes[1]!.grant!, NOW + 120_000, 0)!, /expired at/);
  });

  it('admits a once-grant exactly once, and a restarted proxy remembers the use', async () => {
    const file = join(dir, 'uses.jsonl');
    const ledger = new GrantLedger(file, logger);
    const once = ROUTES.routes[2]!;
    assert.deepEqual(ledger.take(once, NOW), { ok: true });
    const second = ledger.take(once, NOW);
    assert.equal(second.ok, false);
    assert.match(!second.ok ? second.reason : '', /admitted its 1 request/);
    assert.deepEqual(hosts(NOW, ledger), ['plain.example.test', 'timed.example.test']);
    const restarted = new GrantLedger(file, logger);
    assert.equal(restarted.usesOf('g-once0000001'), 1);
    assert.equal(restarted.take(once, NOW).ok, false);
    assert.equal((await readFile(file, 'utf8')).trim().split('\n').length, 1);
  });

  it('counts no use for a line torn by a crash, and the next use after a restart is counted', async () => {
    const file = join(dir, 'torn.jsonl');
    await appendFile(file, '{"grant":"g-x00000001"}\n{"grant":"g-once0000001","at":"2026-12-0');
    const restarted = new GrantLedger(file, logger);
    assert.equal(restarted.usesOf('g-once0000001'), 0);
    assert.equal(restarted.usesOf('g-x00000001'), 1);
    assert.deepEqual(restarted.take(ROUTES.routes[2]!, NOW), { ok: true });
    const again = new GrantLedger(file, logger);
    assert.equal(again.usesOf('g-once0000001'), 1, 'the use after the torn line is not lost');
    assert.equal(again.take(ROUTES.routes[2]!, NOW).ok, false);
  });

  it('refuses the request when the use cannot be recorded (fail closed)', () => {
    const ledger = new GrantLedger(join(dir, 'missing-folder', 'uses.jsonl'), logger);
    const verdict = ledger.take(ROUTES.routes[2]!, NOW);
    assert.equal(verdict.ok, false);
    assert.equal(ledger.usesOf('g-once0000001'), 0);
  });

  it('names rules by their place in the file, whatever ended before them', () => {
    const ledger = new GrantLedger(undefined, logger);
    const inForce = ledger.inForce(ROUTES, NOW + 120_000);
    const once = matchSparingUses(inForce, {
      host: 'once.example.test',
      port: 443,
      method: 'GET',
      path: '/',
    });
    assert.equal(once.label, 'routes[2] (once.example.test)');
    const timed = matchSparingUses(inForce, {
      host: 'timed.example.test',
      port: 443,
      method: 'GET',
      path: '/',
    });
    assert.equal(timed.allowed, false);
    assert.match(!timed.allowed ? timed.reason : '', /\(grant g-timed000001 expired at /);
  });

  it('never limits a rule without a grant, nor an expired one past its time', () => {
    const ledger = new GrantLedger(undefined, logger);
    assert.deepEqual(ledger.take(ROUTES.routes[0]!, NOW), { ok: true });
    assert.equal(ledger.take(ROUTES.routes[1]!, NOW + 120_000).ok, false);
  });
});

describe('matchSparingUses', () => {
  const widened = parseRoutesOrThrow(`routes:
  - host: api.example.test
    paths: [/hello, /alpha]
    grant: {id: g-once0000009, uses: 1}
  - host: api.example.test
    paths: [/hello]
`).routes;
  const target = (path: string) => ({ host: 'api.example.test', port: 443, method: 'GET', path });

  it('matches what the lasting rules admit without the once-grant, and only the new path with it', () => {
    const own = matchSparingUses(widened, target('/hello'));
    assert.equal(own.allowed && own.route.grant, undefined);
    const fresh = matchSparingUses(widened, target('/alpha'));
    assert.equal(fresh.allowed && fresh.route.grant?.id, 'g-once0000009');
    assert.equal(matchSparingUses(widened, target('/beta')).allowed, false);
  });
});

describe('GrantLedger.bind', () => {
  const socket = () =>
    new Duplex({
      read() {},
      write(_chunk, _encoding, done) {
        done();
      },
    });
  const timed = (id: string, inMs: number) =>
    parseRoutesOrThrow(
      `routes:\n  - host: ws.example.test\n    grant: {id: ${id}, expires_at: '${new Date(Date.now() + inMs).toISOString()}'}\n`,
    ).routes.routes[0]!;

  it('cuts a connection a grant let in when the grant expires', async () => {
    const ledger = new GrantLedger(undefined, logger);
    const [client, upstream] = [socket(), socket()];
    ledger.bind(timed('g-wsexpire001', 150), [client, upstream], Date.now());
    assert.equal(client.destroyed, false);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(client.destroyed, true);
    assert.equal(upstream.destroyed, true);
  });

  it('cuts it when a reload drops the grant (revoke), and keeps it while the grant stays', () => {
    const ledger = new GrantLedger(undefined, logger);
    const route = timed('g-wsrevoke001', 60_000);
    const kept = socket();
    ledger.bind(route, [kept], Date.now());
    ledger.reloaded({ routes: [route] });
    assert.equal(kept.destroyed, false);
    ledger.reloaded({ routes: [] });
    assert.equal(kept.destroyed, true);
    // Admitted just before the reload, bound just after it: cut at once, not at the deadline.
    const late = socket();
    ledger.bind(route, [late], Date.now());
    assert.equal(late.destroyed, true);
  });
});

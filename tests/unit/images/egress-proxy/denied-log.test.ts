import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  createDecisionLog,
  type DecisionRecord,
} from '../../../../images/egress-proxy/decision-log.js';
import {
  DENIED_PATH_MAX,
  DeniedEntrySchema,
  deniedEntryOf,
} from '../../../../images/egress-proxy/denied-entry.js';
import { DeniedLog } from '../../../../images/egress-proxy/denied-log.js';
import type { Logger } from '../../../../lib/log.js';

const refusal = (path: string, extra: Partial<DecisionRecord> = {}): DecisionRecord => ({
  host: 'api.example.test',
  port: 443,
  method: 'GET',
  path,
  route: 'none',
  decision: 'deny',
  reason: 'no-route',
  status: 403,
  ...extra,
});

/** A logger that keeps its events, to count `denied_log_failed`. */
function recordingLogger(): Logger & { events: string[] } {
  const events: string[] = [];
  const logger = {
    events,
    info: (event: string) => void events.push(event),
    warn: (event: string) => void events.push(event),
    error: (event: string) => void events.push(event),
    child: () => logger,
  };
  return logger;
}

async function lines(file: string): Promise<Record<string, unknown>[]> {
  const text = await readFile(file, 'utf8');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

const TS = '2026-12-03T10:00:00.000Z';

describe('deniedEntryOf: which decisions are kept, and what of them', () => {
  it('keeps every deny and bad-path, nothing else', () => {
    assert.ok(deniedEntryOf(refusal('/x'), TS));
    assert.ok(deniedEntryOf(refusal('/x', { reason: 'dlp', detector: 'github-token' }), TS));
    assert.ok(deniedEntryOf(refusal('/x', { status: 1008, reason: 'dlp' }), TS));
    const badPath = refusal('-', { decision: 'error', status: 400, reason: 'bad-path' });
    assert.equal(deniedEntryOf(badPath, TS)?.reason, 'bad-path');
    for (const decision of ['allow', 'tunnel'] as const)
      assert.equal(deniedEntryOf(refusal('/x', { decision, status: 200 }), TS), undefined);
    const down = refusal('/x', { decision: 'error', status: 502, reason: 'upstream-down' });
    assert.equal(deniedEntryOf(down, TS), undefined);
  });

  it('holds method, host, port, path, reason, route, status and the detector: never anything else', () => {
    // A record with more on it than the type allows: the entry is built field by field.
    const record = {
      ...refusal('/v1/x', { reason: 'dlp', detector: 'github-token' }),
      query: 'token=hunter2',
      headers: { authorization: 'Bearer hunter2' },
      body: 'hunter2',
    } as DecisionRecord;
    const entry = deniedEntryOf(record, TS)!;
    assert.deepEqual(Object.keys(entry).sort(), [
      'detector',
      'host',
      'method',
      'path',
      'port',
      'reason',
      'route',
      'status',
      'ts',
    ]);
    assert.ok(!JSON.stringify(entry).includes('hunter2'));
    assert.ok(DeniedEntrySchema.safeParse(entry).success);
  });

  it('cuts a long path, and a record without a port gets 0', () => {
    const long = deniedEntryOf(refusal(`/${'a'.repeat(5000)}`), TS)!;
    assert.equal(long.path.length, DENIED_PATH_MAX + 1);
    assert.ok(long.path.endsWith('…'));
    const { port: _port, ...noPort } = refusal('/x');
    assert.equal(deniedEntryOf(noPort, TS)?.port, 0);
  });
});

describe('DeniedLog: the bounded denied.jsonl', () => {
  let dir = '';
  let n = 0;
  const fresh = async () => {
    const sub = join(dir, `case-${n++}`);
    await mkdir(sub);
    return join(sub, 'denied.jsonl');
  };
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cb-denied-log-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('batches: nothing is written per refusal, one append after the flush interval', async () => {
    const file = await fresh();
    const log = await DeniedLog.open({ file, logger: recordingLogger(), flushMs: 30 });
    log.observe(refusal('/a'), TS);
    log.observe(refusal('/b'), TS);
    log.observe(refusal('/c', { decision: 'allow', status: 200 }), TS);
    await assert.rejects(readFile(file), { code: 'ENOENT' });
    await new Promise((r) => setTimeout(r, 120));
    assert.deepEqual(
      (await lines(file)).map((line) => line.path),
      ['/a', '/b'],
    );
    await log.close();
  });

  it('never passes its bounds; a rotation keeps the newest entries, oldest first', async () => {
    const file = await fresh();
    const limits = { keepLines: 3, maxLines: 5, maxBytes: 1_000_000 };
    const log = await DeniedLog.open({ file, logger: recordingLogger(), limits, flushMs: 60_000 });
    for (let i = 0; i < 23; i++) {
      log.observe(refusal(`/p${i}`), TS);
      if (i % 2 === 0) await log.flush();
      const count = (await lines(file).catch(() => [])).length;
      assert.ok(count <= limits.maxLines, `${count} lines after ${i + 1} refusals`);
    }
    await log.close();
    const paths = (await lines(file)).map((line) => line.path);
    assert.equal(paths.at(-1), '/p22');
    assert.deepEqual(paths.slice(-3), ['/p20', '/p21', '/p22']);
    assert.deepEqual(
      (await readdir(join(file, '..'))).filter((name) => name !== 'denied.jsonl'),
      [],
      'no temp file is left behind',
    );
  });

  it('a flood between two writes holds at most keepLines in memory', async () => {
    const file = await fresh();
    const limits = { keepLines: 3, maxLines: 5, maxBytes: 1_000_000 };
    const log = await DeniedLog.open({ file, logger: recordingLogger(), limits, flushMs: 60_000 });
    for (let i = 0; i < 1000; i++) log.observe(refusal(`/f${i}`), TS);
    await log.close();
    assert.deepEqual(
      (await lines(file)).map((line) => line.path),
      ['/f997', '/f998', '/f999'],
    );
  });

  it('bounds bytes too', async () => {
    const file = await fresh();
    const limits = { keepLines: 100, maxLines: 1000, maxBytes: 2000 };
    const log = await DeniedLog.open({ file, logger: recordingLogger(), limits, flushMs: 60_000 });
    for (let i = 0; i < 60; i++) {
      log.observe(refusal(`/${String(i).padStart(3, '0')}/${'x'.repeat(80)}`), TS);
      await log.flush();
      assert.ok((await readFile(file)).length <= limits.maxBytes);
    }
    await log.close();
    assert.match(String((await lines(file)).at(-1)?.path), /^\/059\//);
  });

  it('a restarted proxy takes the newest entries of the file back in', async () => {
    const file = await fresh();
    const limits = { keepLines: 4, maxLines: 6, maxBytes: 1_000_000 };
    const first = await DeniedLog.open({ file, logger: recordingLogger(), limits });
    for (let i = 0; i < 5; i++) {
      first.observe(refusal(`/old${i}`), TS);
      await first.flush();
    }
    await first.close();
    assert.equal((await lines(file)).length, 5);
    const second = await DeniedLog.open({ file, logger: recordingLogger(), limits });
    second.observe(refusal('/new0'), TS);
    second.observe(refusal('/new1'), TS); // 5 + 2 > 6: rotation, from the ring the file filled
    await second.close();
    assert.deepEqual(
      (await lines(file)).map((line) => line.path),
      ['/old3', '/old4', '/new0', '/new1'],
    );
  });

  it('a file with bad or torn lines is rewritten without them on the first write', async () => {
    const file = await fresh();
    const good = JSON.stringify(deniedEntryOf(refusal('/kept'), TS));
    await writeFile(file, `${good}\nnot json\n{"ts":"x"}\n${good.slice(0, 20)}`);
    const log = await DeniedLog.open({ file, logger: recordingLogger() });
    log.observe(refusal('/next'), TS);
    await log.close();
    assert.deepEqual(
      (await lines(file)).map((line) => line.path),
      ['/kept', '/next'],
    );
  });

  it('a failing write is logged once, never thrown, and the log recovers from memory', async () => {
    const folder = join(dir, 'not-yet');
    const file = join(folder, 'denied.jsonl');
    const logger = recordingLogger();
    const log = await DeniedLog.open({ file, logger, flushMs: 60_000 });
    log.observe(refusal('/a'), TS);
    await log.flush();
    log.observe(refusal('/b'), TS);
    await log.flush();
    assert.deepEqual(logger.events, ['denied_log_failed']);
    await mkdir(folder);
    log.observe(refusal('/c'), TS);
    await log.close();
    assert.deepEqual(logger.events, ['denied_log_failed', 'denied_log_recovered']);
    assert.deepEqual(
      (await lines(file)).map((line) => line.path),
      ['/a', '/b', '/c'],
    );
  });

  it('a request is answered the same whether the log can be written or not', async () => {
    const written: string[] = [];
    const log = await DeniedLog.open({
      file: join(dir, 'missing', 'folder', 'denied.jsonl'),
      logger: recordingLogger(),
      flushMs: 1,
    });
    const decisions = createDecisionLog({ write: (line) => written.push(line) }, () => 0, log);
    assert.doesNotThrow(() => decisions.write(refusal('/x'), 0));
    assert.equal(written.length, 1);
    assert.equal(JSON.parse(written[0]!).port, 443);
    await log.close();
  });
});

import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../../../../lib/log.js';
import type { DlpHit } from '../../../../images/egress-proxy/dlp/engine.js';
import { TokenAllow } from '../../../../images/egress-proxy/token-allow.js';

// The agent picks the values it sends: a loop over made-up tokens must not file one proposal
// per request. Before the cap every distinct value queued its own proposal.
const hit = (value: string): DlpHit => ({
  detector: 'github-token',
  value,
  own: false,
  context: '[redacted]',
  encodings: [],
  span: [0, value.length],
});
const request = { host: 'api.example.test', method: 'GET', path: '/hello' };

describe('TokenAllow: the cap on proposals waiting at once', () => {
  let queue = '';
  let stop: AbortController;
  let tokenAllow: TokenAllow;
  before(async () => {
    queue = await mkdtemp(join(tmpdir(), 'cb-token-allow-'));
    stop = new AbortController();
    tokenAllow = new TokenAllow({
      queueDir: queue,
      timeoutMs: 60_000,
      pollMs: 20,
      maxWaiting: 2,
      signal: stop.signal,
      logger: createLogger({ component: 'test', sink: { write: () => true } }),
    });
  });
  after(async () => {
    stop.abort();
    await rm(queue, { recursive: true, force: true });
  });

  it('refuses a new value at once past the cap, while an already-waiting value still joins', async () => {
    const held = [
      tokenAllow.decide([hit('value-one')], request),
      tokenAllow.decide([hit('value-two')], request),
    ];
    const third = await tokenAllow.decide([hit('value-three')], request);
    assert.equal(third.pass, false);
    if (!third.pass)
      assert.match(third.reason, /2 flagged requests already wait .* limit is 2.*send it again/);
    const joined = tokenAllow.decide([hit('value-one')], request);
    await new Promise((r) => setTimeout(r, 100));
    const files = await readdir(join(queue, 'pending', 'egress-proxy'));
    assert.equal(
      files.filter((f) => f.endsWith('.json')).length,
      2,
      'only the first two were filed',
    );
    stop.abort();
    for (const verdict of await Promise.all([...held, joined])) assert.equal(verdict.pass, false);
  });
});

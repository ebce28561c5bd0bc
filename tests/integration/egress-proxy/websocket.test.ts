import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { queuePaths } from '../../../mcp/queue/paths.js';
import type { ProposalOf } from '../../../mcp/queue/schema.js';
import { writeDecision } from '../../../mcp/queue/store.js';
import { tunnel } from './helpers/client.js';
import { OWN_SECRET, startFixture, type Fixture } from './helpers/fixture.js';

const ROUTES = (port: number): string => `routes:
  - host: open.upstream.test:${port}
    private: true
  - host: api.upstream.test:${port}
    auth: {header: Authorization, scheme: Bearer, secret: github}
    private: true
  - host: added.upstream.test:${port}
    dlp: false
    private: true
`;

/** GitHub-shaped, made up here: never a real token. */
const token = (seed: string): string => `ghp_${seed.repeat(36).slice(0, 36)}`;
// Each case fails rather than hangs when the proxy does not close as it should.
const CASE = { timeout: 20_000 };

interface ClientSession {
  ws: WebSocket;
  messages: { data: Buffer; binary: boolean }[];
  /** How many of `messages` nextMessage has handed out. */
  read: number;
  closed: Promise<{ code: number; reason: string }>;
}

/** A real `ws` client through the proxy: CONNECT, TLS trusting the bottle CA, then Upgrade. */
async function connect(f: Fixture, name: string, path: string): Promise<ClientSession> {
  const host = `${name}.upstream.test`;
  const socket = await tunnel(f.proxy.port, host, f.upstream.port, f.bottleCa.certPem);
  const ws = new WebSocket(`wss://${host}:${f.upstream.port}${path}`, {
    createConnection: () => socket,
  });
  const messages: ClientSession['messages'] = [];
  ws.on('message', (data: Buffer, binary) => messages.push({ data, binary }));
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  await once(ws, 'open');
  return { ws, messages, read: 0, closed };
}

/** The next message the client got that the test has not read yet. */
async function nextMessage(session: ClientSession): Promise<{ data: Buffer; binary: boolean }> {
  while (session.messages.length <= session.read) await once(session.ws, 'message');
  return session.messages[session.read++]!;
}

/** Polls until `find` returns something: for lines another process writes. */
async function eventually<T>(find: () => T | undefined): Promise<T> {
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A hand-made client: the Upgrade written as text, frames written as bytes. */
async function rawSession(f: Fixture, path: string) {
  const socket: TLSSocket = await tunnel(
    f.proxy.port,
    'open.upstream.test',
    f.upstream.port,
    f.bottleCa.certPem,
  );
  let buffered = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => (buffered = Buffer.concat([buffered, chunk])));
  const closed = once(socket, 'close');
  const until = async (ready: () => boolean): Promise<void> => {
    while (!ready()) {
      const done = await Promise.race([closed.then(() => true), once(socket, 'data')]);
      if (done === true && !ready()) throw new Error('the proxy closed the connection early');
    }
  };
  socket.write(
    `GET ${path} HTTP/1.1\r\nHost: open.upstream.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  await until(() => buffered.includes('\r\n\r\n'));
  const bodyAt = buffered.indexOf('\r\n\r\n') + 4;
  assert.match(buffered.subarray(0, bodyAt).toString(), /^HTTP\/1\.1 101/);
  return {
    /** Writes one client frame: FIN + opcode byte as given, masked payload. */
    frame(first: number, payload: Buffer, lengthBytes?: Buffer): void {
      const mask = randomBytes(4);
      const masked = Buffer.from(payload.map((byte, i) => byte ^ mask[i % 4]!));
      const length = lengthBytes ?? Buffer.from([0x80 | payload.length]);
      socket.write(Buffer.concat([Buffer.from([first]), length, mask, masked]));
    },
    /** The close code of the first frame the proxy sends after the 101 (it must be a close). */
    async closeCode(): Promise<number> {
      await until(() => buffered.length >= bodyAt + 4);
      assert.equal(buffered[bodyAt], 0x88, 'the first frame back is a close frame');
      const code = buffered.readUInt16BE(bodyAt + 2);
      socket.destroy();
      return code;
    },
  };
}

type TokenProposal = ProposalOf<'egress-token-allow'>;

async function nextProposal(queue: string): Promise<TokenProposal> {
  const folder = queuePaths(queue).pending('egress-proxy');
  for (;;) {
    const names = await readdir(folder).catch(() => [] as string[]);
    const fresh = names.find((name) => name.endsWith('.json') && !name.startsWith('.'));
    if (fresh) return JSON.parse(await readFile(join(folder, fresh), 'utf8')) as TokenProposal;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('egress proxy: WebSocket messages are parsed and scanned', () => {
  let fx: Fixture; // no queue: every token hit is refused at once
  let queued: Fixture; // a queue and a human who answers
  let queue: string;

  before(async () => {
    queue = await mkdtemp(join(tmpdir(), 'cb-queue-ws-'));
    fx = await startFixture(ROUTES);
    queued = await startFixture(ROUTES, ['--queue', queue, '--token-allow-timeout', '60']);
  });
  after(async () => {
    await fx.close();
    await queued.close();
  });

  const receivedBy = (f: Fixture, needle: string): boolean =>
    f.upstream.ws.received.some((m) => m.data.toString('latin1').includes(needle));

  /** Sends what `send` sends and expects the proxy to close both sides with 1008. */
  async function expectRefused(
    send: (session: ClientSession) => void | Promise<void>,
    value: string,
    decision: (line: Record<string, unknown>) => boolean,
  ): Promise<string> {
    const session = await connect(fx, 'open', '/ws-echo');
    const closesBefore = fx.upstream.ws.closes.length;
    const decisionsBefore = fx.proxy.decisions.length;
    await send(session);
    const { code, reason } = await session.closed;
    assert.equal(code, 1008);
    assert.ok(!reason.includes(value), 'the close reason must not carry the value');
    assert.ok(!session.messages.some((m) => m.data.toString('latin1').includes(value)));
    await eventually(() =>
      fx.upstream.ws.closes.slice(closesBefore).includes(1008) ? 1 : undefined,
    );
    assert.ok(!receivedBy(fx, value), 'the value reached the upstream');
    await eventually(() => fx.proxy.decisions.slice(decisionsBefore).find(decision));
    return reason;
  }
  const dlpLine =
    (detector: RegExp) =>
    (line: Record<string, unknown>): boolean =>
      line.reason === 'dlp' &&
      line.decision === 'deny' &&
      line.status === 1008 &&
      detector.test(String(line.detector));

  it(
    'relays clean text, binary and fragmented messages both ways, uncompressed',
    CASE,
    async () => {
      const session = await connect(fx, 'open', '/ws-echo');
      assert.equal(session.ws.extensions, '', 'no extension was negotiated');
      session.ws.send('hello through the proxy');
      assert.deepEqual(await nextMessage(session), {
        data: Buffer.from('hello through the proxy'),
        binary: false,
      });
      const bytes = Buffer.from([0, 1, 2, 0x7f, 0x80, 0xff]);
      session.ws.send(bytes, { binary: true });
      assert.deepEqual(await nextMessage(session), { data: bytes, binary: true });
      session.ws.send('frag', { fin: false });
      session.ws.send('mented', { fin: true });
      assert.deepEqual(await nextMessage(session), {
        data: Buffer.from('fragmented'),
        binary: false,
      });
      session.ws.close(1000, 'done');
      assert.deepEqual(await session.closed, { code: 1000, reason: 'done' });
    },
  );

  it(
    'closes with 1008 on a GitHub token in a text message and never forwards it',
    CASE,
    async () => {
      const value = token('Tx1');
      const reason = await expectRefused(
        (s) => s.ws.send(`deploy with ${value}`),
        value,
        dlpLine(/^github-token$/),
      );
      assert.match(reason, /github-token/);
      assert.ok(fx.proxy.logs.some((line) => line.event === 'websocket_message_refused'));
    },
  );

  it('closes with 1008 on the token in a binary message', CASE, async () => {
    const value = token('Bn2');
    await expectRefused(
      (s) => s.ws.send(Buffer.from(`\x00\x01${value}\xff`, 'latin1'), { binary: true }),
      value,
      dlpLine(/^github-token$/),
    );
  });

  it('closes with 1008 on the token split across two fragments of one message', CASE, async () => {
    const value = token('Fr3');
    await expectRefused(
      (s) => {
        s.ws.send(`a ${value.slice(0, 20)}`, { fin: false });
        s.ws.send(`${value.slice(20)} b`, { fin: true });
      },
      value,
      dlpLine(/^github-token$/),
    );
  });

  it('closes with 1008 on the token split across two consecutive messages', CASE, async () => {
    const value = token('Sp4');
    const second = `${value.slice(20)} second half`;
    await expectRefused(
      async (s) => {
        s.ws.send(`first half ${value.slice(0, 20)}`);
        await nextMessage(s); // the first message alone is clean and goes through
        s.ws.send(second);
      },
      second,
      dlpLine(/^github-token$/),
    );
  });

  it("closes with 1008 on the bottle's own secret and never forwards it", CASE, async () => {
    const reason = await expectRefused(
      (s) => s.ws.send(`leak ${OWN_SECRET}`),
      OWN_SECRET,
      dlpLine(/^own-secret:github:/),
    );
    assert.match(reason, /own secrets never leave/);
  });

  it('holds a token until a human approves it, keeping later messages in order', CASE, async () => {
    const value = token('Ok5');
    const session = await connect(queued, 'open', '/ws-echo');
    session.ws.send(`approved ${value}`);
    session.ws.send('sent after it');
    const proposal = await nextProposal(queue);
    assert.equal(proposal.payload.host, 'open.upstream.test');
    assert.equal(proposal.payload.detector, 'github-token');
    assert.ok(!receivedBy(queued, value), 'the held message reached the upstream early');
    assert.ok(!receivedBy(queued, 'sent after it'), 'a later message overtook the held one');
    await writeDecision(queue, {
      v: 1,
      id: proposal.id,
      decision: 'approved',
      reason: 'test token',
      decided_by: 'test',
      decided_at: new Date().toISOString(),
    });
    assert.equal((await nextMessage(session)).data.toString(), `approved ${value}`);
    assert.equal((await nextMessage(session)).data.toString(), 'sent after it');
    session.ws.close(1000);
    assert.equal((await session.closed).code, 1000);
  });

  it("strips the client's permessage-deflate offer and runs uncompressed", CASE, async () => {
    const session = await connect(fx, 'open', '/ws-echo');
    const upgrade = fx.upstream.seen.filter((r) => r.url === '/ws-echo').at(-1)!;
    assert.equal(upgrade.headers['sec-websocket-extensions'], undefined);
    assert.equal(session.ws.extensions, '');
    session.ws.send('x'.repeat(4096));
    assert.equal((await nextMessage(session)).data.length, 4096);
    session.ws.close(1000);
    await session.closed;
  });

  it('refuses with 502 an upstream 101 that names an extension nobody offered', CASE, async () => {
    await assert.rejects(connect(fx, 'open', '/ws-deflate-101'), /Unexpected server response: 502/);
    await eventually(() => fx.proxy.decisions.find((line) => line.reason === 'ws-extension'));
  });

  it('closes with 1002 a frame with RSV1 set when no extension was negotiated', CASE, async () => {
    const before = fx.upstream.ws.received.length;
    const raw = await rawSession(fx, '/ws-echo');
    raw.frame(0x80 | 0x40 | 0x1, Buffer.from('compressed?'));
    assert.equal(await raw.closeCode(), 1002);
    await eventually(() =>
      fx.proxy.decisions.find((line) => line.reason === 'ws-protocol' && line.status === 1002),
    );
    assert.equal(fx.upstream.ws.received.length, before);
  });

  it('closes with 1009 a message over 16 MiB, before its payload arrives', CASE, async () => {
    const raw = await rawSession(fx, '/ws-echo');
    const length = Buffer.alloc(9);
    length[0] = 0x80 | 127;
    length.writeBigUInt64BE(BigInt(16 * 1024 * 1024 + 1), 1);
    raw.frame(0x80 | 0x2, Buffer.alloc(0), length);
    assert.equal(await raw.closeCode(), 1009);
  });

  it(
    'closes with 1008 when the upstream echoes the injected credential in a message',
    CASE,
    async () => {
      const decisionsBefore = fx.proxy.decisions.length;
      const session = await connect(fx, 'api', '/ws-reflect-message');
      const { code, reason } = await session.closed;
      assert.equal(code, 1008);
      assert.match(reason, /own secret "github"/);
      assert.deepEqual(session.messages, [], 'the reflecting message reached the agent');
      assert.equal(
        fx.upstream.seen.at(-1)!.headers.authorization,
        `Bearer ${OWN_SECRET}`,
        'the credential was injected into the handshake',
      );
      await eventually(() =>
        fx.proxy.decisions
          .slice(decisionsBefore)
          .find((line) => line.reason === 'reflection' && line.status === 1008),
      );
    },
  );

  it('does not scan messages on a route with dlp: false', CASE, async () => {
    const value = token('Nd6');
    const session = await connect(fx, 'added', '/ws-echo');
    session.ws.send(value);
    assert.equal((await nextMessage(session)).data.toString(), value);
    session.ws.close(1000);
    await session.closed;
  });

  it('never writes a value it refused or held to its output', () => {
    for (const f of [fx, queued]) {
      for (const seed of ['Tx1', 'Bn2', 'Fr3', 'Sp4', 'Ok5', 'Nd6']) {
        assert.ok(!f.proxy.output().includes(token(seed)));
      }
      assert.ok(!f.proxy.output().includes(OWN_SECRET));
    }
  });
});

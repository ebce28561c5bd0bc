import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { FramePipe, type Inspection } from '../../../../images/egress-proxy/ws-frame-pipe.js';
import {
  frameReceiver,
  frameSender,
  type ProtocolFailure,
} from '../../../../images/egress-proxy/ws-framing.js';

interface Seen {
  kind: string;
  text: string;
}

/**
 * A client→upstream pipe between two PassThroughs: `client` writes masked frames into the
 * source, and whatever the pipe writes to the target is parsed back into `out`.
 */
function harness(inspect: (payload: Buffer) => Inspection<string>) {
  const source = new PassThrough();
  const target = new PassThrough();
  const out: Seen[] = [];
  const refused: string[] = [];
  const broken: ProtocolFailure[] = [];
  let concluded = 0;
  const parser = frameReceiver(true);
  parser.on('message', (data) => out.push({ kind: 'message', text: data.toString() }));
  parser.on('ping', (data) => out.push({ kind: 'ping', text: data.toString() }));
  parser.on('conclude', (code, data) => out.push({ kind: `close ${code}`, text: data.toString() }));
  parser.on('error', (error) => out.push({ kind: 'error', text: error.message }));
  target.on('data', (chunk: Buffer) => parser.write(chunk));
  const pipe = new FramePipe<string>({
    source,
    target,
    fromClient: true,
    inspect,
    onRefused: (refusal) => refused.push(refusal),
    onBroken: (failure) => broken.push(failure),
    onConcluded: () => concluded++,
  });
  pipe.start(Buffer.alloc(0));
  const client = frameSender(source);
  return { pipe, client, out, refused, broken, concluded: () => concluded, source };
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const text = (data: string) => ({
  binary: false,
  fin: true,
  mask: true,
  compress: false,
  data: Buffer.from(data),
});
const send = (h: ReturnType<typeof harness>, data: string): void => {
  const { data: bytes, ...options } = text(data);
  h.client.send(bytes, options);
};

describe('FramePipe', () => {
  it('relays messages and control frames in order, re-masked', async () => {
    const h = harness(() => undefined);
    send(h, 'one');
    h.client.ping(Buffer.from('p'), true);
    send(h, 'two');
    await settle();
    assert.deepEqual(h.out, [
      { kind: 'message', text: 'one' },
      { kind: 'ping', text: 'p' },
      { kind: 'message', text: 'two' },
    ]);
  });

  it('holds a message and everything after it while its inspection is pending', async () => {
    let release: (refusal: string | undefined) => void = () => {};
    const h = harness((payload) =>
      payload.toString() === 'held'
        ? new Promise<string | undefined>((resolve) => (release = resolve))
        : undefined,
    );
    send(h, 'held');
    send(h, 'after');
    h.client.ping(Buffer.from('p'), true);
    await settle();
    assert.equal(h.out.length, 0, 'nothing moves on before the decision');
    assert.equal(h.source.isPaused(), true, 'the source is paused while a decision is pending');
    release(undefined);
    await settle();
    assert.deepEqual(
      h.out.map((frame) => frame.text),
      ['held', 'after', 'p'],
    );
    assert.equal(h.source.isPaused(), false);
  });

  it('drops a refused message and everything queued behind it', async () => {
    let release: (refusal: string | undefined) => void = () => {};
    const h = harness((payload) =>
      payload.toString() === 'secret'
        ? new Promise<string | undefined>((resolve) => (release = resolve))
        : undefined,
    );
    send(h, 'clean');
    send(h, 'secret');
    send(h, 'later');
    await settle();
    release('dlp');
    await settle();
    assert.deepEqual(h.refused, ['dlp']);
    h.pipe.close(1008, 'refused');
    await settle();
    assert.deepEqual(h.out, [
      { kind: 'message', text: 'clean' },
      { kind: 'close 1008', text: 'refused' },
    ]);
  });

  it('passes a close frame on and reports the source concluded', async () => {
    const h = harness(() => undefined);
    h.client.close(1000, 'bye', true);
    await settle();
    assert.deepEqual(h.out, [{ kind: 'close 1000', text: 'bye' }]);
    assert.equal(h.concluded(), 1);
  });

  it('reports a protocol error from the source and relays nothing more', async () => {
    const h = harness(() => undefined);
    h.source.write(Buffer.from([0x81, 0x02, 0x68, 0x69])); // unmasked: a client must mask
    await settle();
    assert.equal(h.broken[0]?.code, 1002);
    assert.deepEqual(h.out, []);
  });
});

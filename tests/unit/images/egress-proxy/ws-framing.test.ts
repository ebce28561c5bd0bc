import assert from 'node:assert/strict';
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { uninspectableSwitch } from '../../../../images/egress-proxy/upgrade.js';
import {
  closeReason,
  frameReceiver,
  frameSender,
  MAX_MESSAGE_BYTES,
  protocolFailure,
} from '../../../../images/egress-proxy/ws-framing.js';

/** The bytes a Sender writes for one call, read back off a PassThrough. */
function framed(write: (sender: ReturnType<typeof frameSender>) => void): Buffer {
  const out = new PassThrough();
  write(frameSender(out));
  return out.read() as Buffer;
}

/** Feeds bytes to a receiver and resolves with the error it raises. */
async function parseError(bytes: Buffer, fromClient: boolean): Promise<Error & { code?: string }> {
  const receiver = frameReceiver(fromClient);
  const failed = once(receiver as unknown as NodeJS.EventEmitter, 'error');
  receiver.write(bytes);
  const [error] = (await failed) as [Error & { code?: string }];
  return error;
}

describe('ws framing', () => {
  it('a frame with RSV1 set is a protocol error (1002) when no extension was negotiated', async () => {
    const frame = framed((s) =>
      s.send(Buffer.from('hi'), { binary: false, fin: true, mask: true, compress: false }),
    );
    frame[0]! |= 0x40;
    const error = await parseError(frame, true);
    assert.deepEqual(protocolFailure(error), {
      code: 1002,
      reason: 'ws-protocol',
      detail: 'RSV1 must be clear',
    });
  });

  it('a message over the limit is 1009, refused from its length alone', async () => {
    const header = Buffer.alloc(14);
    header[0] = 0x82;
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(BigInt(MAX_MESSAGE_BYTES + 1), 2);
    const error = await parseError(header, true);
    assert.equal(protocolFailure(error).code, 1009);
    assert.equal(protocolFailure(error).reason, 'ws-too-large');
  });

  it('an unmasked client frame and a masked upstream frame are protocol errors', async () => {
    const unmasked = framed((s) =>
      s.send(Buffer.from('x'), { binary: true, fin: true, mask: false, compress: false }),
    );
    const masked = framed((s) =>
      s.send(Buffer.from('x'), { binary: true, fin: true, mask: true, compress: false }),
    );
    assert.equal(protocolFailure(await parseError(unmasked, true)).code, 1002);
    assert.equal(protocolFailure(await parseError(masked, false)).code, 1002);
  });

  it('joins fragments into one message', async () => {
    const receiver = frameReceiver(true);
    const message = once(receiver as unknown as NodeJS.EventEmitter, 'message');
    const bytes = framed((s) => {
      s.send(Buffer.from('frag'), { binary: false, fin: false, mask: true, compress: false });
      s.send(Buffer.from('mented'), { binary: false, fin: true, mask: true, compress: false });
    });
    receiver.write(bytes);
    const [data, binary] = (await message) as [Buffer, boolean];
    assert.equal(data.toString(), 'fragmented');
    assert.equal(binary, false);
  });

  it('maps the parser error codes to close codes', () => {
    const failure = (code: string) => protocolFailure(Object.assign(new Error('x'), { code }));
    assert.equal(failure('WS_ERR_INVALID_UTF8').code, 1007);
    assert.equal(failure('WS_ERR_TOO_MANY_BUFFERED_PARTS').code, 1008);
    assert.equal(failure('WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH').code, 1009);
    assert.equal(failure('WS_ERR_INVALID_OPCODE').code, 1002);
    assert.equal(failure('SOMETHING_NEW').code, 1002);
  });

  it('cuts a close reason to 123 bytes', () => {
    assert.equal(closeReason('short'), 'short');
    assert.equal(Buffer.byteLength(closeReason('é'.repeat(100))), 122);
    assert.equal(closeReason('x'.repeat(200)).length, 123);
  });
});

describe('uninspectableSwitch', () => {
  const answer = (headers: Record<string, string>) =>
    uninspectableSwitch({ headers } as unknown as import('node:http').IncomingMessage);

  it('lets a plain WebSocket 101 through', () => {
    assert.equal(answer({ upgrade: 'websocket' }), undefined);
    assert.equal(answer({ upgrade: 'WebSocket', 'sec-websocket-protocol': 'chat' }), undefined);
  });

  it('refuses a 101 that names an extension', () => {
    assert.equal(
      answer({ upgrade: 'websocket', 'sec-websocket-extensions': 'permessage-deflate' })?.reason,
      'ws-extension',
    );
  });

  it('refuses a switch to anything but WebSocket', () => {
    assert.equal(answer({ upgrade: 'h2c' })?.reason, 'upgrade-protocol');
    assert.equal(answer({})?.reason, 'upgrade-protocol');
  });
});

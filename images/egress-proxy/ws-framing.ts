import type { Duplex } from 'node:stream';
import * as ws from 'ws';

/** A message bigger than this (all fragments together) closes the session with 1009. */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
/** More fragments than this in one message closes it with 1008 (each one costs an object). */
export const MAX_FRAGMENTS = 64 * 1024;
/** RFC 6455 §5.5: a control frame's payload is at most 125 bytes, 2 of them a close code. */
const MAX_CLOSE_REASON_BYTES = 123;

/** The ws library's frame parser: a Writable fed raw socket bytes, emitting whole messages. */
export interface FrameReceiver {
  write(chunk: Buffer): boolean;
  on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): this;
  on(event: 'ping' | 'pong', listener: (data: Buffer) => void): this;
  /** A close frame arrived; code 1005 means it carried none. */
  on(event: 'conclude', listener: (code: number, reason: Buffer) => void): this;
  on(event: 'error', listener: (error: Error & { code?: string }) => void): this;
}

/** The ws library's frame writer on a raw socket. */
export interface FrameSender {
  send(
    data: Buffer,
    options: { binary: boolean; fin: boolean; mask: boolean; compress: boolean },
  ): void;
  ping(data: Buffer, mask: boolean): void;
  pong(data: Buffer, mask: boolean): void;
  close(code: number | undefined, reason: Buffer | string | undefined, mask: boolean): void;
}

interface ReceiverOptions {
  isServer: boolean;
  maxPayload: number;
  maxFragments: number;
  /** Negotiated extensions; none, so a frame with RSV1 set is a protocol error (1002). */
  extensions: Record<string, never>;
}

// @types/ws leaves out Receiver and Sender, which the package exports for exactly this use.
const framing = ws as unknown as {
  Receiver: new (options: ReceiverOptions) => FrameReceiver;
  Sender: new (socket: Duplex) => FrameSender;
};

/**
 * A parser for the frames one peer sends. Frames from a client are masked and read as a server
 * reads them; frames from the upstream are unmasked and read as a client reads them.
 */
export function frameReceiver(fromClient: boolean): FrameReceiver {
  return new framing.Receiver({
    isServer: fromClient,
    maxPayload: MAX_MESSAGE_BYTES,
    maxFragments: MAX_FRAGMENTS,
    extensions: {},
  });
}

export function frameSender(socket: Duplex): FrameSender {
  return new framing.Sender(socket);
}

/** Why a peer's frames were refused: the close code sent and the decision-line reason. */
export interface ProtocolFailure {
  code: number;
  reason: string;
  /** For the close frame and the log: the parser's own words (never payload bytes). */
  detail: string;
}

// The parser's error codes (ws/lib/receiver.js) mapped to the close code RFC 6455 §7.4.1 gives.
const FAILURES: Record<string, { code: number; reason: string }> = {
  WS_ERR_UNSUPPORTED_MESSAGE_LENGTH: { code: 1009, reason: 'ws-too-large' },
  WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH: { code: 1009, reason: 'ws-too-large' },
  WS_ERR_TOO_MANY_BUFFERED_PARTS: { code: 1008, reason: 'ws-too-many-fragments' },
  WS_ERR_INVALID_UTF8: { code: 1007, reason: 'ws-invalid-utf8' },
};

/** The close to send for a parser error; anything not listed is a protocol error (1002). */
export function protocolFailure(error: Error & { code?: string }): ProtocolFailure {
  const known = FAILURES[error.code ?? ''] ?? { code: 1002, reason: 'ws-protocol' };
  return { ...known, detail: error.message.replace(/^Invalid WebSocket frame: /, '') };
}

/** `text` cut to what a close frame can carry, on a character boundary. */
export function closeReason(text: string): string {
  let reason = text;
  while (Buffer.byteLength(reason) > MAX_CLOSE_REASON_BYTES) reason = reason.slice(0, -1);
  return reason;
}

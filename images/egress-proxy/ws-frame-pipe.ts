import type { Duplex } from 'node:stream';
import {
  frameReceiver,
  frameSender,
  protocolFailure,
  type FrameSender,
  type ProtocolFailure,
} from './ws-framing.js';

/** What crosses the relay: a whole data message (fragments joined) or a control frame. */
export type Frame =
  | { kind: 'message'; data: Buffer; binary: boolean }
  | { kind: 'ping' | 'pong'; data: Buffer }
  | { kind: 'close'; code: number; data: Buffer };

/** Pass (undefined), refuse (R), or decide later: a promise holds this frame and all after it. */
export type Inspection<R> = R | undefined | Promise<R | undefined>;

export interface FramePipeOptions<R> {
  source: Duplex;
  target: Duplex;
  /** Client frames arrive masked and leave re-masked; upstream frames travel unmasked. */
  fromClient: boolean;
  /** Sees every payload (messages, ping/pong data, close reasons) before it moves on. */
  inspect(payload: Buffer): Inspection<R>;
  onRefused(refusal: R): void;
  /** The source broke the protocol (or a limit); nothing more is read from it. */
  onBroken(failure: ProtocolFailure): void;
  /** The source's close frame was passed on; it sends nothing more. */
  onConcluded(): void;
}

type PauseReason = 'decision' | 'drain';

/**
 * One direction of a WebSocket session: frames parsed from `source`, inspected in order, and
 * re-framed onto `target`. While an inspection is pending the source is paused and later frames
 * wait behind it, so nothing overtakes a held message.
 */
export class FramePipe<R> {
  private readonly sender: FrameSender;
  private readonly queue: Frame[] = [];
  private readonly pausedFor = new Set<PauseReason>();
  private holding = false;
  private stopped = false;
  /** The source's close frame was parsed; the parser takes no more bytes. */
  private concluded = false;
  private closeSent = false;

  constructor(private readonly options: FramePipeOptions<R>) {
    this.sender = frameSender(options.target);
  }

  /** Starts reading the source; `head` holds bytes it sent before the relay began. */
  start(head: Buffer): void {
    const receiver = frameReceiver(this.options.fromClient);
    receiver.on('message', (data, binary) => this.accept({ kind: 'message', data, binary }));
    receiver.on('ping', (data) => this.accept({ kind: 'ping', data }));
    receiver.on('pong', (data) => this.accept({ kind: 'pong', data }));
    receiver.on('conclude', (code, data) => {
      this.concluded = true;
      this.accept({ kind: 'close', code, data });
    });
    receiver.on('error', (error) => {
      if (this.stopped) return;
      this.stop();
      this.options.onBroken(protocolFailure(error));
    });
    const feed = (chunk: Buffer): void => {
      if (!this.stopped && !this.concluded) receiver.write(chunk);
    };
    this.options.source.on('data', feed);
    if (head.length > 0) feed(head);
    if (this.pausedFor.size === 0) this.options.source.resume();
  }

  /** Stops relaying and sends the target a close frame (once) with this code and reason. */
  close(code: number, reason: string): void {
    this.stop();
    this.sendClose(code, reason);
  }

  private stop(): void {
    this.stopped = true;
    this.queue.length = 0;
    // Keep reading (and dropping) so the peer's FIN is seen and the socket can close.
    this.pausedFor.clear();
    this.options.source.resume();
  }

  private accept(frame: Frame): void {
    if (this.stopped) return;
    this.queue.push(frame);
    this.drain();
  }

  private drain(): void {
    while (!this.holding && !this.stopped && this.queue.length > 0) {
      const frame = this.queue.shift()!;
      const verdict = this.options.inspect(frame.data);
      if (verdict instanceof Promise) {
        this.holding = true;
        this.pause('decision');
        void verdict.then((refusal) => {
          this.holding = false;
          this.settle(frame, refusal);
          this.resume('decision');
          this.drain();
        });
        return;
      }
      this.settle(frame, verdict);
    }
  }

  private settle(frame: Frame, refusal: R | undefined): void {
    if (this.stopped) return;
    if (refusal === undefined) {
      this.deliver(frame);
      return;
    }
    this.stop();
    this.options.onRefused(refusal);
  }

  private deliver(frame: Frame): void {
    const { target, fromClient: mask } = this.options;
    if (!target.writable) return;
    if (frame.kind === 'close') {
      this.sendClose(frame.code === 1005 ? undefined : frame.code, frame.data);
      this.options.onConcluded();
      return;
    }
    if (frame.kind === 'message') {
      this.sender.send(frame.data, { binary: frame.binary, fin: true, mask, compress: false });
    } else if (frame.kind === 'ping') {
      this.sender.ping(frame.data, mask);
    } else {
      this.sender.pong(frame.data, mask);
    }
    if (!this.pausedFor.has('drain') && target.writableNeedDrain) {
      this.pause('drain');
      target.once('drain', () => this.resume('drain'));
    }
  }

  private sendClose(code: number | undefined, reason: Buffer | string): void {
    if (this.closeSent || !this.options.target.writable) return;
    this.closeSent = true;
    this.sender.close(code, reason, this.options.fromClient);
  }

  private pause(reason: PauseReason): void {
    this.pausedFor.add(reason);
    this.options.source.pause();
  }

  private resume(reason: PauseReason): void {
    this.pausedFor.delete(reason);
    if (this.pausedFor.size === 0) this.options.source.resume();
  }
}

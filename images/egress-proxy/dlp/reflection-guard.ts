import type { TransformCallback } from 'node:stream';
import { HoldingTransform } from './holding-transform.js';
import type { DlpEngine } from './engine.js';

/** Thrown into the stream when an upstream sends back one of the bottle's own secrets. */
export class ReflectionError extends Error {
  constructor(readonly secret: string) {
    super(`the upstream response carried the bottle's own secret "${secret}"`);
  }
}

/**
 * Streams a response body, refusing it when it carries one of the bottle's own secrets (an
 * upstream that echoes the injected credential must not hand it to the agent). It holds back
 * only a tail that could still be the start of a secret, so streamed replies (SSE) stay live.
 */
export class ReflectionGuard extends HoldingTransform {
  constructor(private readonly engine: DlpEngine) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const data = this.held.length === 0 ? chunk : Buffer.concat([this.held, chunk]);
    const text = data.toString('latin1');
    const hit = this.engine.scanOwn(text)[0];
    if (hit) {
      callback(new ReflectionError(hit.detector.split(':')[1] ?? 'unknown'));
      return;
    }
    const keep = this.partialNeedleTail(text);
    this.held = Buffer.from(data.subarray(data.length - keep));
    if (data.length > keep) {
      this.push(data.subarray(0, data.length - keep));
      this.markReady();
    }
    callback();
  }

  override _flush(callback: TransformCallback): void {
    if (this.held.length > 0) this.push(this.held);
    this.markReady();
    callback();
  }

  /** Length of the longest suffix of `text` that is a proper prefix of some needle. */
  private partialNeedleTail(text: string): number {
    let keep = 0;
    for (const { text: needle } of this.engine.needles) {
      const from = Math.max(0, text.length - needle.length + 1);
      for (
        let at = text.indexOf(needle[0]!, from);
        at !== -1;
        at = text.indexOf(needle[0]!, at + 1)
      ) {
        if (needle.startsWith(text.slice(at))) {
          keep = Math.max(keep, text.length - at);
          break;
        }
      }
    }
    return keep;
  }
}

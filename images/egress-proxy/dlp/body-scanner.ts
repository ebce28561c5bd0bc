import type { TransformCallback } from 'node:stream';
import { HoldingTransform } from './holding-transform.js';
import { trailingRunStart } from './decode-layers.js';
import type { DlpEngine, DlpHit } from './engine.js';

export interface BodyScannerOptions {
  engine: DlpEngine;
  /** Nothing is passed on until this many bytes were scanned or the body ended. */
  initialHoldBytes: number;
  /**
   * Called with the hits of a window before any of its bytes move on. Resolve to let them
   * pass (an approved token); reject to refuse the body (the stream errors with that error).
   */
  onHits: (hits: DlpHit[]) => Promise<void>;
}

/**
 * Streams a request body through the DLP engine. It keeps back the last `overlap` bytes, so a
 * secret split across chunks is seen whole before any part of it leaves, and it holds the first
 * `initialHoldBytes`, so a small body is refused before the upstream is ever contacted.
 */
export class BodyScanner extends HoldingTransform {
  private seen = 0;
  /** Absolute offset where the base64-class run reaching the end of the last window began. */
  private runStart = 0;

  constructor(private readonly options: BodyScannerOptions) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.held = this.held.length === 0 ? chunk : Buffer.concat([this.held, chunk]);
    this.seen += chunk.length;
    const overlap = this.options.engine.overlap;
    const region = this.held.subarray(Math.max(0, this.held.length - chunk.length - overlap));
    const regionStart = this.seen - region.length;
    const release = (): void => {
      if (this.seen >= this.options.initialHoldBytes && this.held.length > overlap) {
        const cut = this.held.length - overlap;
        this.push(this.held.subarray(0, cut));
        this.markReady();
        this.held = Buffer.from(this.held.subarray(cut));
      }
      callback();
    };
    // A clean chunk (the common case) moves on synchronously: no promise per 16 KiB record.
    const pending = this.check(region, regionStart, false);
    if (pending) pending.then(release, callback);
    else release();
  }

  override _flush(callback: TransformCallback): void {
    const release = (): void => {
      if (this.held.length > 0) this.push(this.held);
      this.markReady();
      this.held = Buffer.alloc(0);
      callback();
    };
    const pending = this.check(this.held, this.seen - this.held.length, true);
    if (pending) pending.then(release, callback);
    else release();
  }

  /** Undefined when the region is clean; otherwise onHits' verdict, which must settle first. */
  private check(region: Buffer, regionStart: number, final: boolean): Promise<void> | undefined {
    const text = region.toString('latin1');
    // A long base64 run crosses windows: the decoder must know where its quanta start.
    const lead = this.runStart < regionStart ? regionStart - this.runStart : 0;
    const hits = this.options.engine.scanWindow(text, { final, lead, bytes: region });
    const tail = trailingRunStart(text);
    this.runStart = tail === 0 && lead > 0 ? this.runStart : regionStart + tail;
    if (hits.length === 0) return undefined;
    const found = dedupe(hits);
    // Through a promise, so a synchronous throw in onHits refuses the body like a rejection.
    return Promise.resolve().then(() => this.options.onHits(found));
  }
}

/** One hit per distinct value, own-secret hits first (they decide without asking anyone). */
export function dedupe(hits: DlpHit[]): DlpHit[] {
  const byValue = new Map<string, DlpHit>();
  for (const hit of hits) {
    const known = byValue.get(hit.value);
    if (!known || (hit.own && !known.own)) byValue.set(hit.value, hit);
  }
  return [...byValue.values()].sort((a, b) => Number(b.own) - Number(a.own));
}

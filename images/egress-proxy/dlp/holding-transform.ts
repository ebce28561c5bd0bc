import { Transform } from 'node:stream';

/**
 * A transform that holds back a tail of what it has seen until it is safe to pass on. `ready`
 * settles when the first bytes move (or the stream ends) and rejects when the stream errors,
 * so a caller can refuse before contacting anyone.
 */
export abstract class HoldingTransform extends Transform {
  protected held: Buffer = Buffer.alloc(0);
  /** Settles when the first bytes may move on (or the body ended); rejects on refusal. */
  readonly ready: Promise<void>;
  private resolveReady: () => void = () => {};

  constructor() {
    super();
    this.ready = new Promise((resolve, reject) => {
      this.resolveReady = resolve;
      this.once('error', reject);
    });
    this.ready.catch(() => {});
  }

  protected markReady(): void {
    this.resolveReady();
  }
}

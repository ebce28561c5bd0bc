import type { DlpHit } from './dlp/engine.js';

/**
 * The scan window over one direction of a WebSocket session. Each payload is scanned together
 * with the last `overlap` bytes that came before it in the same direction, so a secret split
 * across two messages (or a message and a ping) is seen whole in the second one.
 *
 * The kept tail starts after the last hit of the window: that value was already decided, and
 * gluing it to the next message would report a new, longer value that nobody sent as such (an
 * approved token followed by a message starting with a letter would be asked about again).
 */
export class MessageWindow {
  private tail = '';

  constructor(private readonly overlap: number) {}

  /** The hits of `scan` on the kept tail plus `payload` (latin1, one char per byte). */
  scan(payload: Buffer, scan: (text: string) => DlpHit[]): DlpHit[] {
    const text = this.tail + payload.toString('latin1');
    const hits = scan(text);
    let keepFrom = Math.max(0, text.length - this.overlap);
    for (const hit of hits) {
      keepFrom = Math.max(keepFrom, text.lastIndexOf(hit.value) + hit.value.length);
    }
    // Through a Buffer: a slice of a string can keep the whole 16 MiB message alive.
    this.tail = Buffer.from(text.slice(keepFrom), 'latin1').toString('latin1');
    return hits;
  }
}

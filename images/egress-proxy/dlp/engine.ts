import { DETECTOR_MAX_MATCH, DETECTORS } from './detectors.js';
import { LiteralPrefilter } from './prefilter.js';
import { MIN_SECRET_LENGTH, needlesFor, type Needle, type OwnSecret } from './own-secrets.js';

// A detector whose literals are all absent cannot match, so its regex pass is skipped.
const PREFILTER = new LiteralPrefilter(DETECTORS.map((detector) => detector.literals));

/** One finding. `value` is the matched text; it goes to sha256 and nowhere else. */
export interface DlpHit {
  detector: string;
  value: string;
  /** A hit on the bottle's own secret: never approvable. */
  own: boolean;
  /** The text around the hit with every secret-like run masked. */
  context: string;
}

/**
 * Scans latin1 text (one char per byte) for well-known token formats and the bottle's own
 * secrets in every encoding. Pure and synchronous; the streaming wrappers feed it windows.
 */
export class DlpEngine {
  readonly needles: readonly Needle[];
  /** How many trailing bytes a streaming scan must keep to see a match that spans chunks. */
  readonly overlap: number;

  constructor(ownSecrets: readonly OwnSecret[]) {
    this.needles = ownSecrets
      .filter((secret) => secret.value.length >= MIN_SECRET_LENGTH)
      .flatMap(needlesFor);
    const longest = Math.max(0, ...this.needles.map((needle) => needle.text.length));
    this.overlap = Math.max(DETECTOR_MAX_MATCH, longest) + 16;
  }

  /**
   * Every hit in `text`. When `final` is false a pattern match touching the end of the text is
   * left out: it may continue in the next chunk and will be found whole there.
   */
  scan(text: string, final = true, detectors = true): DlpHit[] {
    const hits: DlpHit[] = [];
    for (const needle of this.needles) {
      let at = text.indexOf(needle.text);
      while (at !== -1) {
        hits.push(
          this.hit(`own-secret:${needle.secret}:${needle.encoding}`, text, at, needle.text, true),
        );
        at = text.indexOf(needle.text, at + needle.text.length);
      }
    }
    if (!detectors) return hits;
    const present = PREFILTER.present(text);
    for (const [index, detector] of DETECTORS.entries()) {
      if (!present[index]) continue;
      detector.pattern.lastIndex = 0;
      for (const match of text.matchAll(detector.pattern)) {
        if (!final && match.index + match[0].length === text.length) continue;
        hits.push(this.hit(detector.name, text, match.index, match[0], false));
      }
    }
    return hits;
  }

  /** Own-secret needles only: the cheap check run on responses. */
  scanOwn(text: string): DlpHit[] {
    return this.scan(text, true, false);
  }

  /** `text` with every detector match and own-secret form replaced by a marker. */
  redact(text: string): string {
    let result = text;
    for (const needle of this.needles) result = result.split(needle.text).join('[REDACTED]');
    const present = PREFILTER.present(result);
    for (const [index, detector] of DETECTORS.entries()) {
      if (present[index]) result = result.replace(detector.pattern, '[REDACTED]');
    }
    return result;
  }

  private hit(detector: string, text: string, at: number, value: string, own: boolean): DlpHit {
    const before = text.slice(Math.max(0, at - 24), at);
    const after = text.slice(at + value.length, at + value.length + 24);
    const context = `${maskRuns(before)}[${detector}]${maskRuns(after)}`;
    return { detector, value, own, context };
  }
}

// Context is shown to a human: mask anything long and token-like, and non-printables.
function maskRuns(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '.').replace(/[A-Za-z0-9_\-+/=.%]{12,}/g, '…');
}

/** Decodes `application/x-www-form-urlencoded` / query text leniently, byte for byte. */
export function urlDecodeLatin1(text: string): string {
  return text
    .replace(/\+/g, ' ')
    .replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

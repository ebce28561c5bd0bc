import { cryptoKeyHits } from './crypto-keys.js';
import { decodeRun, scanRuns, type EncodedRun, type ScannedRuns } from './decode-layers.js';
import { DETECTOR_MAX_MATCH, DETECTORS, type Detector } from './detectors.js';
import { LiteralPrefilter } from './prefilter.js';
import { MIN_SECRET_LENGTH, needlesFor, type Needle, type OwnSecret } from './own-secrets.js';

// A detector whose literals are all absent cannot match, so its regex pass is skipped.
const PREFILTER = new LiteralPrefilter(DETECTORS.map((detector) => detector.literals));

/** Decoding stops after this many layers (base64 of hex of a URL-encoded token is 3). */
export const MAX_DECODE_DEPTH = 3;

/**
 * Runs up to this long are decoded at all four base64 phases: a path segment or one glued
 * character puts the data mid-run (the text-shape check keeps that cheap).
 */
const ANY_PHASE_MAX = 4096;

/** One finding. `value` is the matched text; it goes to sha256 and nowhere else. */
export interface DlpHit {
  detector: string;
  value: string;
  /** A hit on the bottle's own secret: never approvable. */
  own: boolean;
  /** The text around the hit with every secret-like run masked. */
  context: string;
  /** The encodings peeled off to find it, outermost first (empty when it was in plain sight). */
  encodings: string[];
  /** Where it is in the scanned text: the match, or the whole encoded run that hid it. */
  span: [number, number];
}

/** How a streaming caller continues one scan across windows. */
export interface ScanWindow {
  /** More text follows: a match touching the end is left for the next window, seen whole. */
  final: boolean;
  /** Characters of a base64-class run that came before this window, so it keeps alignment. */
  lead: number;
  /** The window's bytes when the caller has them (saves converting the text back). */
  bytes?: Buffer;
}

/** A piece of a decoded layer: where it sits in the layer and where its source was. */
interface Segment {
  offset: number;
  length: number;
  /** Its source run was cut by the start of the window: its own runs' alignment is unknown. */
  cutStart: boolean;
  /** Its source run reached the end of a non-final window: matches at its end may continue. */
  openEnd: boolean;
  span: [number, number];
  encodings: string[];
}

/**
 * Scans latin1 text (one char per byte) for well-known secret formats and the bottle's own
 * secrets, in plain sight and inside up to MAX_DECODE_DEPTH layers of base64, hex and
 * percent-encoding. Pure and synchronous; the streaming wrappers feed it windows.
 */
export class DlpEngine {
  readonly needles: readonly Needle[];
  /** How many trailing bytes a streaming scan must keep to see a match that spans chunks. */
  readonly overlap: number;

  /** Layers decoded below plain text (a benchmark sets 0 to measure the cost of decoding). */
  private readonly decodeDepth: number;

  constructor(ownSecrets: readonly OwnSecret[], options: { decodeDepth?: number } = {}) {
    this.decodeDepth = options.decodeDepth ?? MAX_DECODE_DEPTH;
    this.needles = ownSecrets
      .filter((secret) => secret.value.length >= MIN_SECRET_LENGTH)
      .flatMap(needlesFor);
    const longest = Math.max(0, ...this.needles.map((needle) => needle.text.length));
    // Encoding grows text (percent-encoding every byte ×3, hex ×2, base64 of base64 ×16/9), so
    // windows overlap by enough for a whole match under any one of those.
    this.overlap = Math.max(DETECTOR_MAX_MATCH, longest) * 3 + 16;
  }

  /**
   * Every hit in `text`. With `final` false a match touching the end is left out: it may
   * continue in the next chunk and will be found whole there.
   */
  scan(text: string, final = true, detectors = true): DlpHit[] {
    return this.scanWindow(text, { final, lead: 0 }, detectors);
  }

  scanWindow(text: string, window: ScanWindow, detectors = true): DlpHit[] {
    const hits: DlpHit[] = [];
    const top: Segment = {
      offset: 0,
      length: text.length,
      cutStart: false,
      openEnd: !window.final,
      span: [0, text.length],
      encodings: [],
    };
    this.layer(text, [top], 0, window.lead, detectors, hits, window.bytes);
    return hits;
  }

  /** Own-secret needles only, in plain sight: the cheap check run on responses. */
  scanOwn(text: string): DlpHit[] {
    const hits: DlpHit[] = [];
    this.findNeedles(text, (at, end, detector) =>
      hits.push(this.hit(detector, text, at, end, true, [], [at, end])),
    );
    return hits;
  }

  /** `text` with every hit (or the encoded run that hid it) replaced by a marker. */
  redact(text: string): string {
    const spans = this.scan(text)
      .map((hit) => hit.span)
      .sort((a, b) => a[0] - b[0]);
    let result = '';
    let at = 0;
    for (const [start, end] of spans) {
      if (end <= at) continue;
      result += `${text.slice(at, Math.max(at, start))}[REDACTED]`;
      at = end;
    }
    return result + text.slice(at);
  }

  private layer(
    text: string,
    segments: readonly Segment[],
    depth: number,
    lead: number,
    detectors: boolean,
    hits: DlpHit[],
    bytes?: Buffer,
  ): void {
    const segmentAt = (at: number): Segment => {
      let low = 0;
      let high = segments.length - 1;
      while (low < high) {
        const mid = (low + high + 1) >> 1;
        if (segments[mid]!.offset <= at) low = mid;
        else high = mid - 1;
      }
      return segments[low]!;
    };
    const add = (at: number, end: number, detector: string, own: boolean): void => {
      const segment = segmentAt(at);
      // A match reaching the open end of its piece may be cut; the next window sees it whole.
      if (segment.openEnd && end >= segment.offset + segment.length) return;
      const span: [number, number] = depth === 0 ? [at, end] : [segment.span[0], segment.span[1]];
      hits.push(this.hit(detector, text, at, end, own, segment.encodings, span));
    };
    this.findNeedles(text, (at, end, detector) => add(at, end, detector, true));
    if (!detectors) return;
    const present = PREFILTER.present(text);
    for (const [index, detector] of DETECTORS.entries()) {
      if (!present[index]) continue;
      detector.pattern.lastIndex = 0;
      for (const match of text.matchAll(detector.pattern)) {
        if (accept(detector, text, match.index, match[0]))
          add(match.index, match.index + match[0].length, detector.name, false);
      }
    }
    const runs = scanRuns(text, bytes);
    for (const hit of cryptoKeyHits(text, runs)) add(hit.at, hit.end, hit.detector, false);
    if (depth < this.decodeDepth) this.decodeLayer(text, runs, depth, lead, hits, segmentAt);
  }

  /** Decodes every run of this layer into one next layer, pieces kept apart by NULs. */
  private decodeLayer(
    text: string,
    scanned: ScannedRuns,
    depth: number,
    lead: number,
    hits: DlpHit[],
    segmentAt: (at: number) => Segment,
  ): void {
    const runs = scanned.encoded;
    if (runs.length === 0) return;
    const pieces: string[] = [];
    const next: Segment[] = [];
    let offset = 0;
    for (const run of runs) {
      const source = segmentAt(run.start);
      const sourceEnd = source.offset + source.length;
      const cutStart = run.start === source.offset && (depth === 0 ? lead > 0 : source.cutStart);
      // Only the top layer knows how much of a cut run came before; below, try every phase.
      // "/" is a base64 character and a path separator: `/api/<base64>` is one run whose
      // data starts mid-run, so a short run holding one is decoded at every phase too.
      const phase = cutStart ? (depth === 0 ? lead : undefined) : shortRun(run) ? undefined : 0;
      const clipped: EncodedRun = { ...run, end: Math.min(run.end, sourceEnd) };
      for (const decoded of decodeRun(text, clipped, phase)) {
        if (decoded.length === 0) continue;
        pieces.push(decoded, '\0');
        next.push({
          offset,
          length: decoded.length,
          cutStart,
          openEnd: source.openEnd && clipped.end >= sourceEnd,
          span: depth === 0 ? [run.start, run.end] : source.span,
          encodings: [...source.encodings, run.kind],
        });
        offset += decoded.length + 1;
      }
    }
    if (next.length > 0) this.layer(pieces.join(''), next, depth + 1, 0, true, hits);
  }

  private findNeedles(text: string, found: (at: number, end: number, detector: string) => void) {
    for (const needle of this.needles) {
      for (let at = text.indexOf(needle.text); at !== -1;) {
        found(at, at + needle.text.length, `own-secret:${needle.secret}:${needle.encoding}`);
        at = text.indexOf(needle.text, at + needle.text.length);
      }
    }
  }

  private hit(
    detector: string,
    text: string,
    at: number,
    end: number,
    own: boolean,
    encodings: string[],
    span: [number, number],
  ): DlpHit {
    const value = text.slice(at, end);
    const before = text.slice(Math.max(0, at - 24), at);
    const after = text.slice(end, end + 24);
    const name = encodings.length > 0 ? `${detector} in ${encodings.join(' in ')}` : detector;
    const context = `${maskRuns(before)}[${name}]${maskRuns(after)}`;
    return { detector, value, own, context, encodings, span };
  }
}

function shortRun(run: EncodedRun): boolean {
  return (run.kind === 'base64' || run.kind === 'hex') && run.end - run.start <= ANY_PHASE_MAX;
}

/** Is a pattern match a secret, or ordinary text after all? */
function accept(detector: Detector, text: string, at: number, match: string): boolean {
  const glue = glueBefore(text, at);
  if (glue > 0) {
    // Deep inside a long base64-class run the prefix is most likely chance (AIza turns up
    // about once in 50 MB of random base64); that run is decoded and scanned as such instead.
    if (glue >= MAX_GLUE) return false;
    // The first four characters are (part of) the fixed prefix, which says nothing of randomness.
    if (detector.gluedNeedsMix && !mixed(match.slice(4))) return false;
  }
  return true;
}

/** Letters glued before a prefix are accepted up to this many; an agent needs only one or two. */
const MAX_GLUE = 16;

/** How many token-like characters run up to `at` ("/" ends a path segment), up to MAX_GLUE. */
function glueBefore(text: string, at: number): number {
  let count = 0;
  while (count < MAX_GLUE && at - count > 0 && /[A-Za-z0-9+_-]/.test(text[at - count - 1]!))
    count++;
  return count;
}

/** Random token text has at least two of lower case, upper case and digits. */
function mixed(text: string): boolean {
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/].filter((re) => re.test(text)).length;
  return classes >= 2;
}

// Context is shown to a human: mask anything long and token-like, and non-printables.
function maskRuns(text: string): string {
  // Four characters: a short password beside a token must not reach a proposal either.
  return text.replace(/[^\x20-\x7e]/g, '.').replace(/[A-Za-z0-9_\-+/=.%]{4,}/g, '…');
}

/** Decodes `application/x-www-form-urlencoded` / query text leniently, byte for byte. */
export function urlDecodeLatin1(text: string): string {
  return text
    .replace(/\+/g, ' ')
    .replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

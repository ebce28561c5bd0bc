/**
 * Finding encoded data (and word runs) inside text in one pass, and decoding it, so detectors
 * see what an encoding hides. Pure functions over latin1 strings (one char per byte).
 */

import { sampledStretches } from './sampled-stretches.js';

/** A stretch of text that may be encoded data. `end` is exclusive. */
export interface EncodedRun {
  kind: 'base64' | 'hex' | 'percent' | 'escape';
  start: number;
  end: number;
  /** Every character is in the Base58 alphabet (a WIF key candidate). */
  base58?: boolean;
}

export interface ScannedRuns {
  encoded: EncodedRun[];
  /** Stretches of lower-case words long enough to be a seed phrase, [start, end). */
  words: [number, number][];
}

/**
 * Shorter runs cannot hold a token worth finding once decoded (20 base64 chars are 15 bytes;
 * the shortest detector match is 20), and long identifiers and paths are common.
 */
export const MIN_RUN = 20;

const B64 = 1;
const HEX = 2;
const B58 = 4;
const URL_SAFE = 8;
const PHRASE = 16; // a-z, space, newline
const ESCAPED_TEXT = 32; // URL-safe and space: what surrounds \u escapes in a token
const PRINTABLE = 64; // printable ASCII, tab, CR, LF: what every secret format is made of
const CLASS = new Uint8Array(256);
for (let code = 0; code < 128; code++) {
  const char = String.fromCharCode(code);
  // base64 and base64url share one class: Node's decoder takes both alphabets.
  if (/[A-Za-z0-9+/_-]/.test(char)) CLASS[code]! |= B64;
  if (/[0-9a-fA-F]/.test(char)) CLASS[code]! |= HEX;
  if (/[1-9A-HJ-NP-Za-km-z]/.test(char)) CLASS[code]! |= B58;
  if (/[A-Za-z0-9._~+/=-]/.test(char)) CLASS[code]! |= URL_SAFE;
  if (/[a-z \n]/.test(char)) CLASS[code]! |= PHRASE;
  if (/[A-Za-z0-9._~+/= -]/.test(char)) CLASS[code]! |= ESCAPED_TEXT;
  if (/[\x20-\x7e\t\r\n]/.test(char)) CLASS[code]! |= PRINTABLE;
}
const PERCENT = 37;
const BACKSLASH = 92;
const EQUALS = 61;

/**
 * Base64/hex runs, percent-encoded runs and seed-phrase word stretches in `text`.
 *
 * Runs shorter than MIN_RUN do not matter, so the bytes are sampled MIN_RUN apart: every run
 * that long covers a sample, and only a sample inside the class is expanded to its run. Prose
 * and JSON are mostly skipped 20 bytes at a time; a long base64 upload is walked once by a
 * two-line loop. (A per-byte state machine cost 3× this, a `{20,}` regex 10×: it restarts
 * inside every short word.)
 */
export function scanRuns(text: string, bytes: Buffer = Buffer.from(text, 'latin1')): ScannedRuns {
  const encoded: EncodedRun[] = [];
  const length = bytes.length;
  let floor = 0; // no run may start before this: the last run's end
  for (let at = MIN_RUN - 1; at < length;) {
    if (!(CLASS[bytes[at]!]! & B64)) {
      at += MIN_RUN;
      continue;
    }
    let start = at;
    while (start > floor && CLASS[bytes[start - 1]!]! & B64) start--;
    let end = at + 1;
    // Most runs are words: walk a few bytes; a long one is left to native scans below.
    while (end < length && end - start < LONG_RUN && CLASS[bytes[end]!]! & B64) end++;
    if (end - start >= LONG_RUN) {
      NOT_B64.lastIndex = end;
      end = NOT_B64.exec(text)?.index ?? length;
    }
    if (end - start >= MIN_RUN) addRun(text, bytes, start, end, encoded);
    floor = end;
    at = end + MIN_RUN;
  }
  if (text.includes('%')) encoded.push(...percentRuns(text, bytes));
  if (text.includes('\\u') || text.includes('\\x')) encoded.push(...escapeRuns(text, bytes));
  return { encoded: encoded.sort((a, b) => a.start - b.start), words: wordStretches(bytes) };
}

function addRun(
  text: string,
  bytes: Buffer,
  start: number,
  at: number,
  encoded: EncodedRun[],
): void {
  let end = at;
  while (end < bytes.length && end - at < 2 && bytes[end] === EQUALS) end++;
  // Each property is one native search that stops at the first counter-example, a few
  // characters into random base64: no per-byte JavaScript for a megabyte-long run.
  const beyond = (re: RegExp, from: number): boolean => {
    re.lastIndex = from;
    const found = re.exec(text);
    return found === null || found.index >= at;
  };
  // "0x" + hex digits: the one non-hex byte is the x.
  const zeroX = bytes[start] === 48 && bytes[start + 1] === 120;
  const hex = beyond(NOT_HEX, zeroX ? start + 2 : start);
  encoded.push({
    kind: hex ? 'hex' : 'base64',
    start,
    end,
    base58: beyond(NOT_BASE58, start),
  });
  // Hex inside a longer base64-class run (`/upload/<hex>`, `id_<hex>`): decode it as hex too.
  if (!hex && at - start <= HEX_SUBRUN_MAX) {
    // Searched in the run alone: a search of the whole text from here would be quadratic.
    for (const found of text.slice(start, at).matchAll(HEX_SUBRUN)) {
      if (found[0].length >= MIN_RUN)
        encoded.push({
          kind: 'hex',
          start: start + found.index,
          end: start + found.index + found[0].length,
        });
    }
  }
}

/** Hex is looked for inside base64-class runs up to this long (paths, ids), not uploads. */
const HEX_SUBRUN_MAX = 4096;
const HEX_SUBRUN = /[0-9a-fA-F]{20,}/g;

/** Runs longer than this are measured by native regex search instead of a byte loop. */
const LONG_RUN = 64;
const NOT_B64 = /[^A-Za-z0-9+/_-]/g;
const NOT_HEX = /[^0-9a-fA-F]/g;
const NOT_BASE58 = /[^1-9A-HJ-NP-Za-km-z]/g;

/** 12 words of 3+ letters and their separators: the shortest seed phrase. */
const PHRASE_MIN = 12 * 4 - 1;

/**
 * Stretches of lower-case letters, spaces and newlines long enough for a seed phrase, found by
 * the same sampling; bip39Mnemonic() then looks for list words inside.
 */
function wordStretches(bytes: Buffer): [number, number][] {
  return sampledStretches(bytes, PHRASE_MIN, CLASS, PHRASE);
}

/** Runs of URL-safe characters holding at least one %XX escape, found from each "%". */
function percentRuns(text: string, bytes: Buffer): EncodedRun[] {
  const runs: EncodedRun[] = [];
  let end = -1;
  for (let at = text.indexOf('%'); at !== -1; at = text.indexOf('%', at + 1)) {
    if (at < end || !isHexAt(bytes, at + 1) || !isHexAt(bytes, at + 2)) continue;
    let start = at;
    while (start > 0 && CLASS[bytes[start - 1]!]! & URL_SAFE) start--;
    end = at;
    for (;;) {
      if (bytes[end] === PERCENT && isHexAt(bytes, end + 1) && isHexAt(bytes, end + 2)) end += 3;
      else if (end < bytes.length && CLASS[bytes[end]!]! & URL_SAFE) end++;
      else break;
    }
    if (end - start >= 6) runs.push({ kind: 'percent', start, end });
  }
  return runs;
}

// \uXXXX (JSON, JavaScript) and \xXX (JavaScript, Python, shell) escapes with the token
// characters (and spaces) around them: a JSON parser upstream turns them back into the token.
const ESCAPE = /\\u[0-9A-Fa-f]{4}|\\x[0-9A-Fa-f]{2}/g;

function escapeRuns(text: string, bytes: Buffer): EncodedRun[] {
  const runs: EncodedRun[] = [];
  const escapeAt = (at: number): number => {
    if (bytes[at] !== BACKSLASH) return 0;
    const size = bytes[at + 1] === 117 ? 6 : bytes[at + 1] === 120 ? 4 : 0; // u, x
    for (let i = 2; i < size; i++) if (!isHexAt(bytes, at + i)) return 0;
    return size;
  };
  let end = -1;
  ESCAPE.lastIndex = 0;
  for (let match = ESCAPE.exec(text); match; match = ESCAPE.exec(text)) {
    if (match.index < end) continue;
    let start = match.index;
    while (start > 0 && CLASS[bytes[start - 1]!]! & ESCAPED_TEXT) start--;
    end = match.index;
    for (;;) {
      const size = escapeAt(end);
      if (size > 0) end += size;
      else if (end < bytes.length && CLASS[bytes[end]!]! & ESCAPED_TEXT) end++;
      else break;
    }
    if (end - start >= 6) runs.push({ kind: 'escape', start, end });
    ESCAPE.lastIndex = end;
  }
  return runs;
}

/** \uXXXX and \xXX → the character (latin1; wider ones as "?"), everything else as it is. */
export function unescapeText(text: string): string {
  return text.replace(/\\u([0-9A-Fa-f]{4})|\\x([0-9A-Fa-f]{2})/g, (_, u?: string, x?: string) => {
    const code = parseInt((u ?? x)!, 16);
    return code < 256 ? String.fromCharCode(code) : '?';
  });
}

function isHexAt(bytes: Buffer, at: number): boolean {
  return at < bytes.length && (CLASS[bytes[at]!]! & HEX) !== 0;
}

/**
 * The decodings of one run as latin1 text. `phase` is how many characters of the run came
 * before `text` (a run cut by a chunk boundary); undefined means unknown, and every alignment
 * is tried, since base64 decoded from the wrong quantum boundary is noise.
 */
export function decodeRun(text: string, run: EncodedRun, phase: number | undefined): string[] {
  const body = text.slice(run.start, run.end);
  if (run.kind === 'percent') return [percentDecode(body)];
  if (run.kind === 'escape') return [unescapeText(body)];
  if (run.kind === 'hex') {
    const digits = body.startsWith('0x') ? body.slice(2) : body;
    const shifts = phase === undefined ? [0, 1] : [phase % 2];
    return shifts
      .filter((shift) => digits.length > SHORT_RUN || hexMayHoldText(digits, shift))
      .map((shift) => printable(Buffer.from(digits.slice(shift), 'hex')));
  }
  const shifts = phase === undefined ? [0, 1, 2, 3] : [(4 - (phase % 4)) % 4];
  return shifts
    .filter((shift) => body.length > SHORT_RUN || base64MayHoldText(body, shift))
    .map((shift) => printable(Buffer.from(body.slice(shift), 'base64')));
}

/** Runs up to this long are first checked for text shape; longer ones are decoded outright. */
const SHORT_RUN = 512;

// Decoded printable text needs 16 ASCII bytes in a row (see printable()). An ASCII byte is
// below 0x80, so in base64 the first character of each 4-character quantum is one of the 32
// values A–Z a–f, and in hex every other digit is 0–7. Random identifiers, paths and hashes
// fail this within a few quanta, which saves decoding nearly every run of ordinary text.
function base64MayHoldText(body: string, shift: number): boolean {
  let streak = 0;
  for (let at = shift; at + 4 <= body.length; at += 4) {
    const head = body.charCodeAt(at);
    const ascii = (head >= 65 && head <= 90) || (head >= 97 && head <= 102);
    streak = ascii ? streak + 1 : 0;
    if (streak >= 5) return true;
  }
  return false;
}

function hexMayHoldText(digits: string, shift: number): boolean {
  let streak = 0;
  for (let at = shift; at + 2 <= digits.length; at += 2) {
    const high = digits.charCodeAt(at);
    streak = high >= 48 && high <= 55 ? streak + 1 : 0;
    if (streak >= 16) return true;
  }
  return false;
}

/**
 * The printable stretches (16 bytes or more) of decoded bytes, NUL-separated. Every secret format is printable
 * text, and decoded random data (an upload, a hash) has almost no stretch of 16 printable
 * bytes, so the next layer scans a few bytes instead of the whole upload again.
 */
export function printable(bytes: Buffer): string {
  return sampledStretches(bytes, MIN_PRINTABLE, CLASS, PRINTABLE)
    .map(([start, end]) => bytes.toString('latin1', start, end))
    .join('\0');
}

const MIN_PRINTABLE = 16;

/** %XX → the byte, everything else as it is ("+" stays: base64 inside must survive). */
export function percentDecode(text: string): string {
  return text.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) =>
    String.fromCharCode(parseInt(hex, 16)),
  );
}

/**
 * Where the base64-class run that reaches the end of `text` starts (text.length when the
 * last character is not in one): a streaming caller carries it into the next window so a
 * long run keeps its alignment.
 */
export function trailingRunStart(text: string): number {
  let at = text.length;
  while (at > 0) {
    const code = text.charCodeAt(at - 1);
    if (code >= 128 || !(CLASS[code]! & B64)) break;
    at--;
  }
  return at;
}

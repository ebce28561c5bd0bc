import { routesForHost } from './matcher.js';
import type { Route, RoutesFile } from './routes/schema.js';

/*
 * `*.example.com` admits every name below example.com, so an agent could spell data as the
 * labels of `<hex>.x.example.com` and have it leave in the request and in the DNS query for the
 * name. This judges the labels a wildcard matched (left of the route's suffix), before any
 * lookup. Names reach it lower-cased and made of [a-z0-9_-], so base64 shows up as long runs of
 * letters and digits.
 *
 * Each label is cut at "-" and "_" into runs; a run is checked for the shapes of encoded data
 * and priced at the bits it could carry. Every threshold was set against the benign corpus in
 * tests/unit/images/egress-proxy/host-labels.test.ts: realistic names must all pass.
 */

/** Bits per character in each alphabet a run can use. */
const BITS = { digits: Math.log2(10), hex: 4, letters: Math.log2(26), alnum: Math.log2(36) };

// Service names under a wildcard go at most five deep (bucket.s3.dualstack.us-east-1,
// app.192.168.1.10.nip.io); tunnelling tools (iodine, dnscat2) spread data over many labels.
const MAX_LABELS = 6;
// The longest realistic part: a 63-character S3 access point name plus
// `.s3-accesspoint.dualstack.ap-southeast-1` is 104. The cap bounds what words can carry.
const MAX_PART_LENGTH = 128;
// 18 hex digits are 9 bytes. AWS resource ids (vpce-, i-, sg-) are 17 hex digits and appear in
// PrivateLink names; git short hashes and Heroku app suffixes are 12 or fewer.
const HEX_RUN = 18;
// Random ids of 14–16 letters and digits are common (CloudFront distributions, IoT endpoints,
// Codespaces and Azure app hosts), and at that length base32 or base36 data looks the same: a
// 16-character base32 string differs from a random [a-z0-9] id only by lacking 0, 1, 8 and 9.
// From 20 characters a run that keeps switching between letters and digits is data.
const MIXED_RUN = 20;
const MIXED_PIECES = 4;
// Any other run of 24+ random-looking characters (at least 2.5 bits each: digits, or letters
// that do not pair like words). Random data that long has an entropy of 3 bits per character or
// more; a run below that repeats itself ("aaaa…") and carries little.
const LONG_RUN = 24;
const LONG_RUN_BITS_PER_CHAR = 2.5;
const LONG_RUN_MIN_ENTROPY = 3;
// 128 bits is 16 bytes, one API key. The busiest realistic names price below it: a CloudFront
// id 56–72 bits, an EKS load balancer (k8s-ns-name-<10 hex>-<10 digits>) about 92, a Codespaces
// port (adjective-noun-<16 alnum>-3000) about 105. Data split over short runs that each pass the
// checks above adds up here.
const BITS_BUDGET = 128;

/** Why the labels look like encoded data (one line, never a whole label), or undefined. */
export function judgeLabels(labels: readonly string[]): string | undefined {
  const runs = labels.flatMap((label) => label.split(/[-_]+/).filter(Boolean));
  for (const run of runs) {
    const shape = encodedShape(run);
    if (shape) return `"${preview(run)}" (${run.length} characters) ${shape}`;
  }
  const bits = Math.round(runs.reduce((sum, run) => sum + runBits(run), 0));
  if (bits >= BITS_BUDGET) {
    const where = labels.length === 1 ? 'its label holds' : `its ${labels.length} labels hold`;
    return `${where} about ${bits} bits of random-looking characters (16 bytes or more)`;
  }
  if (labels.length > MAX_LABELS)
    return `it is ${labels.length} labels deep below the wildcard (more than ${MAX_LABELS})`;
  const length = labels.join('.').length;
  if (length > MAX_PART_LENGTH)
    return `the part below the wildcard is ${length} characters long (more than ${MAX_PART_LENGTH})`;
  return undefined;
}

/** What a single run looks like when it looks like data. */
function encodedShape(run: string): string | undefined {
  if (run.length >= HEX_RUN && isHexMix(run)) return 'is all hexadecimal';
  if (run.length >= MIXED_RUN && pieces(run).length >= MIXED_PIECES)
    return /^[a-z2-7]+$/.test(run)
      ? 'mixes letters and digits in the base32 alphabet'
      : 'mixes letters and digits like base64 or base36';
  if (
    run.length >= LONG_RUN &&
    runBits(run) / run.length >= LONG_RUN_BITS_PER_CHAR &&
    entropy(run) >= LONG_RUN_MIN_ENTROPY
  )
    return /^[0-9]+$/.test(run)
      ? 'is a long run of digits'
      : 'is a long run of random-looking characters';
  return undefined;
}

/** The bits a run could carry: a number as digits, letters by how unlike words they are. */
function runBits(run: string): number {
  if (/^[0-9]+$/.test(run)) return run.length * BITS.digits;
  if (isHexMix(run)) return run.length * BITS.hex;
  const parts = pieces(run);
  // A word with a number on one end (registry1, eu110, sa12) is priced piece by piece; a run
  // that switches more often (k8s, d1a2b3) is one random string.
  if (parts.length > 2) return run.length * BITS.alnum;
  let bits = 0;
  for (const part of parts)
    bits += /^[0-9]/.test(part) ? part.length * BITS.digits : letterBits(part);
  return bits;
}

/**
 * Each adjacent pair that is rare in English words (see COMMON_PAIRS) marks two letters as
 * random-looking, up to the run's length, and each of those costs 4.7 bits. Random letters have
 * a rare pair at about every other position, so they cost nearly all their bits; a word costs
 * nothing, and words run together a little at each rare junction (babyverbdrink: yv, bd). A
 * lone letter cannot be judged and costs its bits.
 */
function letterBits(letters: string): number {
  const rare = pairsOf(letters).filter((pair) => !COMMON_PAIRS.has(pair)).length;
  const randomLooking = letters.length === 1 ? 1 : Math.min(letters.length, 2 * rare);
  return randomLooking * BITS.letters;
}

// For each letter, the letters that follow it in at least 3 of the 2,048 everyday English words
// of the BIP39 list, plus "s" after any letter (those words are singular; names are often
// plural: objects, assets). That is 321 of the 676 pairs: 53% of the pairs in random letters
// are not among them, 2% of the pairs in words (picking the pairs from half of the list and
// counting in the other half).
const COMMON_FOLLOWERS: Record<string, string> = {
  a: 'bcdfgiklmnprstuvwxyz',
  b: 'abeilorsu',
  c: 'acehiklortuy',
  d: 'adegilnoruy',
  e: 'abcdefghiklmnopqrstuvwxy',
  f: 'aefilortuy',
  g: 'aeghilnoruy',
  h: 'aeiortuy',
  i: 'abcdefgklmnopqrstvxz',
  j: 'aeou',
  k: 'aeiln',
  l: 'abcdefiklmopstuvy',
  m: 'abeimnopuy',
  n: 'acdefghijklnorstuvy',
  o: 'abcdefgiklmnoprstuvwxy',
  p: 'aehiloprtuy',
  q: 'u',
  r: 'abcdefgiklmnoprstuvy',
  s: 'acehiklmnopqstuwy',
  t: 'acehilortuwy',
  u: 'abcdefgilmnprst',
  v: 'aeio',
  w: 'aehinor',
  x: 'ceipt',
  y: 'acemors',
  z: 'aeoyz',
};
const COMMON_PAIRS = new Set(
  Object.entries(COMMON_FOLLOWERS).flatMap(([first, next]) =>
    [...`${next}s`].map((c) => first + c),
  ),
);

function pairsOf(letters: string): string[] {
  return Array.from({ length: letters.length - 1 }, (_, i) => letters.slice(i, i + 2));
}

function isHexMix(run: string): boolean {
  return /^[0-9a-f]+$/.test(run) && /[0-9]/.test(run) && /[a-f]/.test(run);
}

/** The letter and digit pieces of a run: d1a2 → d, 1, a, 2. */
function pieces(run: string): string[] {
  return run.match(/[a-z]+|[0-9]+/g) ?? [];
}

/** Shannon entropy in bits per character. */
function entropy(text: string): number {
  const counts = new Map<string, number>();
  for (const char of text) counts.set(char, (counts.get(char) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values())
    bits -= (count / text.length) * Math.log2(count / text.length);
  return bits;
}

function preview(run: string): string {
  return run.length > 10 ? `${run.slice(0, 8)}…` : run;
}

/** `.example.com` for `*.example.com` or `*.example.com:8443`; undefined for an exact pattern. */
export function wildcardSuffix(pattern: string): string | undefined {
  if (!pattern.startsWith('*.')) return undefined;
  return pattern.slice(1).replace(/:\d+$/, '');
}

export interface EncodedHost {
  /** One line for the refusal body. */
  why: string;
  /** The host for the decision log, with the part that looked like data withheld. */
  loggedHost: string;
}

/**
 * Judges host when `route`, the rule that decided it, is a wildcard. A host that an exact route
 * names is the operator's own choice and is never judged, whichever rule won.
 */
export function encodedWildcardHost(
  routes: RoutesFile,
  route: Route,
  host: string,
  port: number,
): EncodedHost | undefined {
  const suffix = wildcardSuffix(route.host);
  if (suffix === undefined || !host.endsWith(suffix)) return undefined;
  const named = routesForHost(routes, host, port).some(
    (candidate) => wildcardSuffix(candidate.route.host) === undefined,
  );
  if (named) return undefined;
  const part = host.slice(0, -suffix.length);
  const why = judgeLabels(part.split('.'));
  if (why === undefined) return undefined;
  return { why, loggedHost: `[${part.length} characters withheld]${suffix}` };
}

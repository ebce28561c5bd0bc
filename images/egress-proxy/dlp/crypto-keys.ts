import { createHash } from 'node:crypto';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import type { ScannedRuns } from './decode-layers.js';

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const BASE58_VALUE = new Map([...BASE58].map((char, value) => [char, value]));

function sha256(data: Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}

/** Base58 text → bytes (leading "1"s are zero bytes), or undefined for a foreign character. */
export function base58Decode(text: string): Buffer | undefined {
  let value = 0n;
  for (const char of text) {
    const digit = BASE58_VALUE.get(char);
    if (digit === undefined) return undefined;
    value = value * 58n + BigInt(digit);
  }
  const hex = value === 0n ? '' : value.toString(16);
  const body = Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
  const zeros = /^1*/.exec(text)![0].length;
  return Buffer.concat([Buffer.alloc(zeros), body]);
}

/**
 * The match when it is a Wallet Import Format private key: version 0x80 (mainnet) or 0xef
 * (testnet), 32 key bytes, an optional 0x01 (compressed), and a valid 4-byte checksum.
 */
export function validWif(text: string): string | undefined {
  const bytes = base58Decode(text);
  if (!bytes || (bytes.length !== 37 && bytes.length !== 38)) return undefined;
  if (bytes[0] !== 0x80 && bytes[0] !== 0xef) return undefined;
  if (bytes.length === 38 && bytes[33] !== 0x01) return undefined;
  const payload = bytes.subarray(0, bytes.length - 4);
  const checksum = sha256(sha256(payload)).subarray(0, 4);
  return checksum.equals(bytes.subarray(bytes.length - 4)) ? text : undefined;
}

const WORD_INDEX = new Map(wordlist.map((word, index) => [word, index]));

/** Are these word indexes a BIP-39 mnemonic: entropy bits, then SHA-256 bits as checksum? */
function isMnemonic(indexes: readonly number[]): boolean {
  const checksumBits = indexes.length / 3;
  const entropy = Buffer.alloc((indexes.length * 11 - checksumBits) / 8);
  let acc = 0;
  let bits = 0;
  let at = 0;
  for (const index of indexes) {
    acc = (acc << 11) | index;
    bits += 11;
    while (bits >= 8 && at < entropy.length) {
      bits -= 8;
      entropy[at++] = (acc >>> bits) & 0xff;
    }
    acc &= (1 << bits) - 1;
  }
  return acc === sha256(entropy)[0]! >>> (8 - checksumBits);
}

/**
 * The first run of 24, 21, 18, 15 or 12 consecutive list words inside `text` that is a valid
 * BIP-39 English mnemonic, as it stands in `text`; undefined when none is. The checksum keeps
 * prose made of list words from matching (1 in 16 for 12 random ones, and 12 list words in a
 * row are rare in prose to begin with). A phrase starts where the text does or after a word
 * that is not on the list, so a long run of list words costs a few checks, not hundreds.
 */
export function bip39Mnemonic(text: string): string | undefined {
  const found = [...text.matchAll(/[a-z]+/g)];
  const indexes = found.map((match) => WORD_INDEX.get(match[0]));
  for (let start = 0; start + 12 <= found.length; start++) {
    if (start > 0 && indexes[start - 1] !== undefined) continue;
    let listed = 0;
    while (start + listed < found.length && indexes[start + listed] !== undefined) listed++;
    for (let length = Math.min(24, listed); length >= 12; length--) {
      if (length % 3 !== 0 || !isMnemonic(indexes.slice(start, start + length) as number[]))
        continue;
      const last = found[start + length - 1]!;
      return text.slice(found[start]!.index, last.index + last[0].length);
    }
  }
  return undefined;
}

/** A run-based finding: which detector, and where in the text. */
export interface RunHit {
  detector: string;
  at: number;
  end: number;
}

// A secp256k1 private key is 32 bytes of hex, like a transaction hash; only a key-ish word
// as the name it is assigned to (`private_key = 0x…`, `"walletKey": "0x…"`) makes it a key.
const KEYISH =
  /(?:[Pp]riv(?:ate)?[_ -]?[Kk]ey|PRIV(?:ATE)?_?KEY|[Ss]ecret|SECRET|[Mm]nemonic|[Ww]allet|WALLET|[Ss]igner|SIGNER|\b(?:pk|PK)\b)[A-Za-z_]{0,20}["']?\s{0,3}[:=]\s{0,3}["']?$/;

/**
 * Private keys and seed phrases, found from the runs scanRuns() already located: WIF keys
 * (Base58Check, verified), 0x-prefixed 64-hex keys in key-ish context, BIP-39 mnemonics.
 */
export function cryptoKeyHits(text: string, runs: ScannedRuns): RunHit[] {
  const hits: RunHit[] = [];
  for (const run of runs.encoded) {
    const size = run.end - run.start;
    if (run.kind === 'hex' && size === 66 && text.startsWith('0x', run.start)) {
      if (KEYISH.test(text.slice(Math.max(0, run.start - 60), run.start)))
        hits.push({ detector: 'ethereum-private-key', at: run.start, end: run.end });
    } else if (run.base58 && (size === 51 || size === 52) && '59KLc'.includes(text[run.start]!)) {
      if (validWif(text.slice(run.start, run.end)))
        hits.push({ detector: 'bitcoin-wif-private-key', at: run.start, end: run.end });
    }
  }
  for (const [start, end] of runs.words) {
    const phrase = bip39Mnemonic(text.slice(start, end));
    if (phrase === undefined) continue;
    const at = start + text.slice(start, end).indexOf(phrase);
    hits.push({ detector: 'bip39-seed-phrase', at, end: at + phrase.length });
  }
  return hits;
}

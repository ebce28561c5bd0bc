import { DETECTORS } from '../../images/egress-proxy/dlp/detectors.js';
import { MIN_SECRET_LENGTH, needlesFor } from '../../images/egress-proxy/dlp/own-secrets.js';

/** The longest string kept in a bundle; longer ones are cut and say so. */
export const MAX_STRING = 16 * 1024;

/**
 * Makes a value safe for the bundle: every string loses the bottle's known secret values (raw,
 * URL-, hex- and base64-encoded, as the proxy looks for them) and anything in a well-known
 * token format (the proxy's own detectors), then is cut at MAX_STRING. Keys are scrubbed too.
 */
export interface Redactor {
  scrub<T>(value: T): T;
  /** How many replacements were made so far. */
  readonly redactions: number;
  /** How many known secret values it looks for. */
  readonly knownValues: number;
}

const PRIVATE_KEY_BLOCK =
  /-----BEGIN[A-Z0-9 ]{0,40}PRIVATE KEY-----[\s\S]*?(?:-----END[A-Z0-9 ]{0,40}PRIVATE KEY-----|$)/g;

export function createRedactor(knownSecrets: ReadonlyMap<string, string>): Redactor {
  const needles: Array<{ text: string; secret: string }> = [];
  for (const [name, value] of knownSecrets) {
    if (value.length < MIN_SECRET_LENGTH) continue;
    needles.push({ text: value, secret: name });
    for (const needle of needlesFor({ name, value }))
      needles.push({ text: needle.text, secret: name });
  }
  // Longest first: a raw value is replaced before a shorter encoded stretch of it.
  needles.sort((a, b) => b.text.length - a.text.length);
  let redactions = 0;

  const scrubString = (text: string): string => {
    // The whole block, not only the BEGIN line the proxy's detector matches (the proxy refuses
    // the request; here the key's body must not survive); an unterminated block to the end.
    let out = text.replace(PRIVATE_KEY_BLOCK, () => {
      redactions++;
      return '[redacted:private-key block]';
    });
    for (const needle of needles) {
      if (!out.includes(needle.text)) continue;
      out = out.split(needle.text).join(`[redacted:secret ${needle.secret}]`);
      redactions++;
    }
    for (const detector of DETECTORS) {
      if (!detector.literals.some((literal) => out.includes(literal))) continue;
      out = out.replace(new RegExp(detector.pattern.source, 'g'), () => {
        redactions++;
        return `[redacted:${detector.name}]`;
      });
    }
    return out.length > MAX_STRING
      ? `${out.slice(0, MAX_STRING)}… [cut: ${out.length - MAX_STRING} more characters]`
      : out;
  };

  const scrubAny = (value: unknown, depth: number): unknown => {
    if (typeof value === 'string') return scrubString(value);
    if (value === null || typeof value !== 'object') return value;
    if (depth > 32) return '[cut: nested too deep]';
    if (Array.isArray(value)) return value.map((item) => scrubAny(item, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value as Record<string, unknown>))
      out[scrubString(key)] = scrubAny(item, depth + 1);
    return out;
  };

  return {
    scrub: <T>(value: T): T => scrubAny(value, 0) as T,
    get redactions() {
      return redactions;
    },
    knownValues: knownSecrets.size,
  };
}

/** A well-known secret format. Matches are bounded (≤ DETECTOR_MAX_MATCH chars) so the overlap window covers them. */
export interface Detector {
  name: string;
  pattern: RegExp;
  /**
   * Fixed strings, at least one of which is inside every match of `pattern` (case-sensitive,
   * like the patterns). Text holding none of them cannot match, so the regex pass is skipped:
   * a few indexOf calls instead of a regex pass per detector per chunk. Exact, not a heuristic;
   * the unit tests check each pattern against its literals. (Formats with no fixed string —
   * WIF keys, seed phrases, hex keys — are found from runs instead: crypto-keys.ts.)
   */
  literals: readonly string[];
  /**
   * The token's own alphabet is mixed-case random text, so a match glued to other letters
   * (`zzghp_…`) counts only when its body looks random: at least two of lower, upper and digit.
   * Without a word boundary a kebab-case identifier could otherwise end in `sk-admin-…`.
   */
  gluedNeedsMix?: boolean;
}

// Prefixes documented by their issuers (and by gitleaks' rules for the same families). None
// of them needs a word boundary: `zzghp_<36>zz` is still a GitHub token. glued() below
// keeps ordinary text from matching instead.
export const DETECTORS: readonly Detector[] = [
  {
    name: 'github-token',
    pattern: /gh[pousr]_[A-Za-z0-9]{36,251}/g,
    literals: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'],
    gluedNeedsMix: true,
  },
  {
    name: 'github-fine-grained-pat',
    pattern: /github_pat_[A-Za-z0-9_]{22,240}/g,
    literals: ['github_pat_'],
    gluedNeedsMix: true,
  },
  {
    name: 'gitlab-token',
    pattern: /gl(?:pat|dt|ptt|rt|cbt|oas)-[A-Za-z0-9_-]{20,200}/g,
    literals: ['glpat-', 'gldt-', 'glptt-', 'glrt-', 'glcbt-', 'gloas-'],
    gluedNeedsMix: true,
  },
  {
    name: 'anthropic-api-key',
    pattern: /sk-ant-[A-Za-z0-9]{2,12}-[A-Za-z0-9_-]{32,200}/g,
    literals: ['sk-ant-'],
    gluedNeedsMix: true,
  },
  {
    name: 'openai-api-key',
    pattern:
      /sk-(?:(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,200}|[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20})/g,
    literals: ['sk-proj-', 'sk-svcacct-', 'sk-admin-', 'T3BlbkFJ'],
    gluedNeedsMix: true,
  },
  {
    name: 'aws-access-key-id',
    pattern: /(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}(?![0-9A-Z])/g,
    literals: ['AKIA', 'ASIA', 'ABIA', 'ACCA'],
  },
  {
    name: 'slack-token',
    pattern: /xox[abposr]-[0-9A-Za-z-]{10,200}/g,
    literals: ['xoxa-', 'xoxb-', 'xoxp-', 'xoxo-', 'xoxs-', 'xoxr-'],
  },
  {
    name: 'slack-webhook',
    pattern: /hooks\.slack\.com\/services\/T[A-Z0-9]{6,16}\/B[A-Z0-9]{6,16}\/[A-Za-z0-9]{20,40}/g,
    literals: ['hooks.slack.com/services/T'],
  },
  {
    name: 'stripe-key',
    pattern: /(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{20,200}/g,
    literals: ['sk_live_', 'sk_test_', 'rk_live_', 'rk_test_'],
    gluedNeedsMix: true,
  },
  {
    name: 'google-api-key',
    pattern: /AIza[0-9A-Za-z_-]{35}/g,
    literals: ['AIza'],
    gluedNeedsMix: true,
  },
  {
    name: 'google-oauth-token',
    pattern: /ya29\.[0-9A-Za-z_-]{30,240}/g,
    literals: ['ya29.'],
    gluedNeedsMix: true,
  },
  {
    name: 'npm-token',
    pattern: /npm_[A-Za-z0-9]{36}/g,
    literals: ['npm_'],
    gluedNeedsMix: true,
  },
  {
    name: 'huggingface-token',
    pattern: /hf_[A-Za-z]{34}/g,
    literals: ['hf_'],
    gluedNeedsMix: true,
  },
  {
    name: 'private-key',
    pattern: /-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----/g,
    literals: ['-----BEGIN '],
  },
  {
    // header.payload[.signature]: both JSON objects base64url-encoded, so both start "eyJ"
    // (`{"`). The value is cut at 800 chars; a longer token is still caught, by its start.
    name: 'jwt',
    pattern: /eyJ[A-Za-z0-9_-]{10,256}\.eyJ[A-Za-z0-9_-]{10,400}(?:\.[A-Za-z0-9_-]{0,128})?/g,
    literals: ['eyJ'],
  },
];

/**
 * The longest text any detector needs to see at once: the JWT (3 + 256 + 4 + 400 + 129), and a
 * seed phrase of 24 eight-letter words with its context.
 */
export const DETECTOR_MAX_MATCH = 800;

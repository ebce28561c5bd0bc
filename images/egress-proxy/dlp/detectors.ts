/** A well-known token format. Patterns are bounded (≤ 256 chars) so the overlap window covers them. */
export interface Detector {
  name: string;
  pattern: RegExp;
  /**
   * Fixed strings, at least one of which is inside every match of `pattern` (case-sensitive,
   * like the patterns). Text holding none of them cannot match, so the regex pass is skipped:
   * a few indexOf calls instead of 14 regex passes per chunk. Exact, not a heuristic; the unit
   * tests check each pattern against its literals.
   */
  literals: readonly string[];
}

// Formats documented by their issuers; boundaries keep ordinary identifiers from matching.
export const DETECTORS: readonly Detector[] = [
  {
    name: 'github-token',
    pattern: /\bgh[pousr]_[A-Za-z0-9]{36,251}\b/g,
    literals: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'],
  },
  {
    name: 'github-fine-grained-pat',
    pattern: /\bgithub_pat_[A-Za-z0-9_]{22,240}\b/g,
    literals: ['github_pat_'],
  },
  {
    name: 'gitlab-token',
    pattern: /\bgl(?:pat|dt|ptt|rt|cbt|oas)-[A-Za-z0-9_-]{20,200}/g,
    literals: ['glpat-', 'gldt-', 'glptt-', 'glrt-', 'glcbt-', 'gloas-'],
  },
  {
    name: 'anthropic-api-key',
    pattern: /\bsk-ant-[A-Za-z0-9]{2,12}-[A-Za-z0-9_-]{32,200}/g,
    literals: ['sk-ant-'],
  },
  {
    name: 'openai-api-key',
    pattern:
      /\bsk-(?:(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,200}|[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20})/g,
    literals: ['sk-proj-', 'sk-svcacct-', 'sk-admin-', 'T3BlbkFJ'],
  },
  {
    name: 'aws-access-key-id',
    pattern: /\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b/g,
    literals: ['AKIA', 'ASIA', 'ABIA', 'ACCA'],
  },
  {
    name: 'slack-token',
    pattern: /\bxox[abposr]-[0-9A-Za-z-]{10,200}/g,
    literals: ['xoxa-', 'xoxb-', 'xoxp-', 'xoxo-', 'xoxs-', 'xoxr-'],
  },
  {
    name: 'slack-webhook',
    pattern: /hooks\.slack\.com\/services\/T[A-Z0-9]{6,16}\/B[A-Z0-9]{6,16}\/[A-Za-z0-9]{20,40}/g,
    literals: ['hooks.slack.com/services/T'],
  },
  {
    name: 'stripe-key',
    pattern: /\b(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{20,200}\b/g,
    literals: ['sk_live_', 'sk_test_', 'rk_live_', 'rk_test_'],
  },
  {
    name: 'google-api-key',
    pattern: /\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/g,
    literals: ['AIza'],
  },
  { name: 'google-oauth-token', pattern: /\bya29\.[0-9A-Za-z_-]{30,240}/g, literals: ['ya29.'] },
  { name: 'npm-token', pattern: /\bnpm_[A-Za-z0-9]{36}\b/g, literals: ['npm_'] },
  { name: 'huggingface-token', pattern: /\bhf_[A-Za-z]{34}\b/g, literals: ['hf_'] },
  {
    name: 'private-key',
    pattern: /-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----/g,
    literals: ['-----BEGIN '],
  },
];

/** The longest text any detector needs to see at once. */
export const DETECTOR_MAX_MATCH = 256;

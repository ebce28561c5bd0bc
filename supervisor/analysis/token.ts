import { addressKind } from './route-risks.js';
import { finding, quote, type AnalysisFinding } from './types.js';

/** Where each kind of token is at home; a value going elsewhere is worth a second look. */
const HOMES: { detector: RegExp; hosts: string[] }[] = [
  { detector: /^github/, hosts: ['github.com', 'githubusercontent.com', 'ghcr.io'] },
  { detector: /^gitlab/, hosts: ['gitlab.com'] },
  { detector: /^anthropic/, hosts: ['anthropic.com'] },
  { detector: /^openai/, hosts: ['openai.com'] },
  { detector: /^aws/, hosts: ['amazonaws.com', 'aws.amazon.com'] },
  { detector: /^slack/, hosts: ['slack.com'] },
  { detector: /^stripe/, hosts: ['stripe.com'] },
  { detector: /^google/, hosts: ['googleapis.com', 'google.com'] },
  { detector: /^npm/, hosts: ['npmjs.org', 'npmjs.com'] },
  { detector: /^huggingface/, hosts: ['huggingface.co', 'hf.co'] },
];
/** Values that never belong in a request: keys and seed phrases, not API tokens. */
const KEY_MATERIAL = /private-key|seed-phrase|wif/;

/** egress-token-allow: where the held value would go if the operator lets it through. */
export function analyseTokenAllow(payload: {
  host: string;
  method: string;
  path: string;
  detector: string;
}): AnalysisFinding[] {
  const host = payload.host.toLowerCase().replace(/:\d+$/, '');
  const request = `${quote(payload.method, 10)} ${quote(payload.host, 80)}${quote(payload.path, 80)}`;
  const detector = quote(payload.detector, 40);
  const findings = [
    finding('info', 'held-request', `approving sends the ${detector} value with ${request}`),
  ];
  if (KEY_MATERIAL.test(payload.detector))
    findings.push(
      finding(
        'caution',
        'key-material',
        `a ${detector} is key material, not an API token: it rarely belongs in a request`,
      ),
    );
  const home = HOMES.find((entry) => entry.detector.test(payload.detector));
  if (home && !home.hosts.some((h) => host === h || host.endsWith(`.${h}`)))
    findings.push(
      finding(
        'caution',
        'token-elsewhere',
        `a ${detector} value going to ${quote(host, 80)}, not to ${home.hosts.join(' or ')}`,
      ),
    );
  const kind = addressKind(host.includes(':') ? `[${host}]` : host);
  if (kind)
    findings.push(
      finding('caution', 'token-to-address', `the value goes to ${quote(host, 80)}, a ${kind}`),
    );
  return findings;
}

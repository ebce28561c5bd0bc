import type { Metadata } from '../../launcher/state/metadata.js';
import {
  EVIDENCE_FORMAT,
  EVIDENCE_VERSION,
  GENESIS,
  EVIDENCE_SOURCES,
  headMessage,
  isoOrUndefined,
  sealLine,
  unseal,
  type EvidenceRecord,
  type SignatureData,
} from './format.js';
import type { Redactor } from './redact.js';
import { signMessage, type SigningKey } from './signing-key.js';

export interface BundleInput {
  slug: string;
  metadata: Metadata;
  records: EvidenceRecord[];
  notes: string[];
  createdAt: Date;
  redactor: Redactor;
  key: SigningKey;
}

/**
 * The bundle's text: the header, the records and notes in time order (a stable sort, so ties
 * keep the order the sources gave), then the signature line over the head. Every record's
 * data goes through the redactor before it is sealed.
 */
export function buildBundle(input: BundleInput): { text: string; lines: number } {
  const createdAt = input.createdAt.toISOString();
  const body: EvidenceRecord[] = [
    ...input.records,
    ...input.notes.map((message): EvidenceRecord => ({
      at: createdAt,
      source: 'evidence',
      kind: 'note',
      data: { message },
    })),
  ]
    .map((record) => ({ ...record, at: isoOrUndefined(record.at) ?? createdAt }))
    .map((record, index) => ({ record, index }))
    .sort((a, b) =>
      a.record.at < b.record.at ? -1 : a.record.at > b.record.at ? 1 : a.index - b.index,
    )
    .map(({ record }) => ({ ...record, data: input.redactor.scrub(record.data) }));
  const counts: Record<string, number> = {};
  for (const source of EVIDENCE_SOURCES) counts[source] = 0;
  for (const record of body) counts[record.source] = (counts[record.source] ?? 0) + 1;
  const m = input.metadata;
  const header: EvidenceRecord = {
    at: createdAt,
    source: 'evidence',
    kind: 'header',
    data: input.redactor.scrub({
      format: EVIDENCE_FORMAT,
      version: EVIDENCE_VERSION,
      slug: input.slug,
      created_at: createdAt,
      bottle: {
        agent: m.agent,
        bottle: m.bottle,
        provider: m.provider,
        branch: m.branch,
        status: m.status,
        compose_project: m.compose_project,
        created_at: m.created_at,
        images: m.images,
      },
      records: counts,
      redaction: {
        known_secret_values: input.redactor.knownValues,
        token_formats: 'egress-proxy DLP detectors',
        never_included: 'secret files, request/response headers and bodies, tool results',
      },
    }),
  };
  const lines: string[] = [];
  let prev = GENESIS;
  for (const record of [header, ...body]) {
    const line = sealLine(record, lines.length + 1, prev);
    prev = unseal(line)!.claimed;
    lines.push(line);
  }
  const head = {
    slug: String(header.data.slug),
    count: lines.length,
    last_sha256: prev,
    created_at: createdAt,
  };
  const signature: SignatureData = {
    algorithm: 'ed25519',
    public_key: input.key.publicKeyBase64,
    key_fingerprint: input.key.fingerprint,
    head,
    signature: signMessage(input.key, headMessage(head)),
  };
  lines.push(
    sealLine(
      { at: createdAt, source: 'evidence', kind: 'signature', data: { ...signature } },
      lines.length + 1,
      prev,
    ),
  );
  return { text: `${lines.join('\n')}\n`, lines: lines.length };
}

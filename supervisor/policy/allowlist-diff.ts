import { PROPOSAL_ID_PATTERN } from '../../mcp/queue/schema.js';

/**
 * The gitleaks allowlist a bottle starts with is empty (launcher/state/prepare.ts writes only a
 * comment), so every fingerprint live is an addition. The gitleaks-allow engine writes each
 * approval as a `# <proposal id> (<time>)` line followed by its fingerprints: that comment is
 * how an entry is joined to its proposal; entries under no such line were added by hand.
 */
export interface AllowlistItem {
  kind: 'gitleaks-allowlist';
  change: 'added';
  fingerprint: string;
  /** The proposal whose header the entry sits under, if any. */
  proposalId?: string;
}

const HEADER = /^#\s*(\S+)\s*\(/;

export function diffAllowlist(text: string): AllowlistItem[] {
  const items: AllowlistItem[] = [];
  let proposalId: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      const id = HEADER.exec(line)?.[1];
      proposalId = id !== undefined && PROPOSAL_ID_PATTERN.test(id) ? id : undefined;
      continue;
    }
    items.push({
      kind: 'gitleaks-allowlist',
      change: 'added',
      fingerprint: line,
      ...(proposalId ? { proposalId } : {}),
    });
  }
  return items;
}

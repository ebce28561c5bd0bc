import { parseAllowlist } from '../../images/git-gate/allowlist.js';
import { BottleError } from '../../lib/errors.js';
import { loadFindings } from '../../mcp/validate/findings.js';
import { readLive, replaceLiveConfig } from './live-config-writer.js';
import type { Engine } from './types.js';

/**
 * gitleaks-allow: the reported findings' fingerprints into live-config/gitleaks-allowlist,
 * which git-gate reads on every push; the refused push then lands. The fingerprints come from
 * the gate's own finding records in git-gate/findings/, never from the proposal's text.
 */
export const gitleaksAllow: Engine<'gitleaks-allow'> = {
  tool: 'gitleaks-allow',
  reportOnly: true,
  async apply({ bottle, proposal }, deps) {
    // The gate's own records, read again here: the copies in the proposal came through the
    // supervise sidecar, and a fingerprint is exactly what would let any secret through.
    const loaded = await loadFindings(bottle.layout.findings, proposal.payload.finding_ids);
    if (!loaded.ok) {
      return {
        kind: 'failed',
        message: `git-gate has no readable record of ${[...loaded.unknown, ...loaded.unreadable].join(', ')}`,
      };
    }
    const fingerprints = loaded.findings.map((finding) => finding.fingerprint);
    if (fingerprints.length === 0 || fingerprints.some((f) => f.trim() === '' || /\s/.test(f)))
      return { kind: 'failed', message: 'the findings carry no usable fingerprint' };
    for (let attempt = 0; ; attempt++) {
      const live = await readLive(bottle.layout, 'gitleaksAllowlist');
      const known = parseAllowlist(live.text);
      const added = fingerprints.filter((f) => !known.has(f));
      if (added.length === 0)
        return {
          kind: 'applied',
          message: 'the findings were already allowlisted',
          sha256Before: live.sha256,
          sha256After: live.sha256,
        };
      const header = live.text === '' || live.text.endsWith('\n') ? live.text : `${live.text}\n`;
      const text = `${header}# ${proposal.id} (${deps.now().toISOString()})\n${added.join('\n')}\n`;
      try {
        const replaced = await replaceLiveConfig(bottle.layout, 'gitleaksAllowlist', text, {
          expectSha256: live.sha256,
        });
        deps.progress(`gitleaks allowlist: +${added.length} fingerprint(s)`);
        return {
          kind: 'applied',
          message: `${added.length} finding(s) allowlisted at git-gate: push again`,
          sha256Before: replaced.before,
          sha256After: replaced.after,
        };
      } catch (error) {
        // Appending never conflicts with another append: re-read and try once more.
        if (!(error instanceof BottleError && error.code === 'PROPOSAL_STALE') || attempt > 2)
          throw error;
      }
    }
  },
};

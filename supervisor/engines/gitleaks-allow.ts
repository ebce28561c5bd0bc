import { parseAllowlist } from '../../images/git-gate/allowlist.js';
import { BottleError } from '../../lib/errors.js';
import { readLive, replaceLiveConfig } from './live-config-writer.js';
import type { Engine } from './types.js';

/**
 * gitleaks-allow: the reported findings' fingerprints into live-config/gitleaks-allowlist,
 * which git-gate reads on every push; the refused push then lands. The fingerprints come from
 * the gate's own finding records copied into the proposal, never from the agent's words.
 */
export const gitleaksAllow: Engine<'gitleaks-allow'> = {
  tool: 'gitleaks-allow',
  reportOnly: true,
  async apply({ bottle, proposal }, deps) {
    const fingerprints = proposal.payload.findings.map((finding) => finding.fingerprint);
    if (fingerprints.length === 0 || fingerprints.some((f) => f.trim() === '' || /\s/.test(f)))
      return { kind: 'failed', message: 'the proposal carries no usable finding fingerprint' };
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

import { hostname } from 'node:os';
import { mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { queuePaths } from '../../mcp/queue/paths.js';

/**
 * An operator's hold on one proposal while its engine runs, so two operators (the TUI and a
 * headless `approve`, or two terminals) never apply the same change twice. Created exclusively
 * in the host-only `queue/claims/`; a claim whose process is gone (same host) is taken over.
 */
const ClaimSchema = z.looseObject({
  operator: z.string(),
  action: z.string(),
  pid: z.number().int(),
  host: z.string(),
  at: z.string(),
});

export type Claim = z.output<typeof ClaimSchema>;

export type ClaimResult = { ok: true; release: () => Promise<void> } | { ok: false; holder: Claim };

export async function claimProposal(
  queueDir: string,
  id: string,
  who: { operator: string; action: string },
): Promise<ClaimResult> {
  const paths = queuePaths(queueDir);
  await mkdir(paths.claims, { recursive: true });
  const file = paths.claimFile(id);
  const mine: Claim = { ...who, pid: process.pid, host: hostname(), at: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(file, JSON.stringify(mine), { flag: 'wx' });
      return { ok: true, release: () => unlink(file).catch(() => undefined) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = await readClaim(file);
    if (holder && !isAbandoned(holder)) return { ok: false, holder };
    // Abandoned (its process died) or unreadable (a crash mid-write): take it over once.
    await unlink(file).catch(() => undefined);
  }
  const holder = await readClaim(file);
  return { ok: false, holder: holder ?? { ...mine, operator: 'another operator' } };
}

async function readClaim(file: string): Promise<Claim | undefined> {
  try {
    const parsed = ClaimSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function isAbandoned(claim: Claim): boolean {
  if (claim.host !== hostname()) return false; // another machine's process: cannot tell, respect it
  try {
    process.kill(claim.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

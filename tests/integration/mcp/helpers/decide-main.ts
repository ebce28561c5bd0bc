// Plays the operator in another process: waits for the agent's pending proposal of one tool,
// optionally waits longer (never touching one that is already decided), then writes decided/<id>.json with the queue's own writer.
// argv: QUEUE_DIR TOOL approved|rejected REASON DELAY_MS
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeDecision } from '../../../../mcp/queue/store.js';

const [queueDir, tool, decision, reason, delayMs] = process.argv.slice(2);
if (!queueDir || !tool || (decision !== 'approved' && decision !== 'rejected')) {
  process.stderr.write('usage: decide-main QUEUE_DIR TOOL approved|rejected REASON DELAY_MS\n');
  process.exit(64);
}

async function findPendingId(): Promise<string> {
  const dir = join(queueDir!, 'pending', 'agent');
  for (let attempt = 0; attempt < 600; attempt++) {
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names.filter((n) => n.endsWith('.json') && !n.startsWith('.'))) {
      const text = await readFile(join(dir, name), 'utf8').catch(() => '');
      let proposal: { id?: string; tool?: string } = {};
      try {
        proposal = JSON.parse(text) as typeof proposal;
      } catch {
        continue; // tests plant malformed files on purpose
      }
      if (proposal.tool !== tool || !proposal.id || !name.startsWith('agent-')) continue;
      const decided = await readFile(join(queueDir!, 'decided', `${proposal.id}.json`)).catch(
        () => undefined,
      );
      if (!decided) return proposal.id;
    }
    await sleep(100);
  }
  throw new Error(`no pending ${tool} proposal appeared in ${dir}`);
}

const id = await findPendingId();
await sleep(Number(delayMs ?? 0));
await writeDecision(queueDir, {
  v: 1,
  id,
  decision,
  reason: reason ?? '',
  decided_by: 'test-operator',
  decided_at: new Date().toISOString(),
  applied: decision === 'approved',
});
process.stdout.write(`${id}\n`);

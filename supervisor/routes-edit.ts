import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import type { CliIo } from '../lib/cli-args.js';
import { BottleError } from '../lib/errors.js';
import { appendAudit } from './audit/log.js';
import { engineDeps, operatorName } from './engines/deps.js';
import { checkRoutesText } from './engines/egress-proxy-apply.js';
import { readLive } from './engines/live-config-writer.js';
import { applyRoutes } from './engines/proxy-reload.js';
import { openBottle } from './queue/bottles.js';
import { terminalSafe } from '../lib/terminal-safe.js';

/** `routes edit`: the operator's own change, through the same apply engine as a proposal. */
export async function editRoutes(
  slug: string,
  reason: string | undefined,
  io: CliIo,
): Promise<number> {
  const deps = await engineDeps(io.env, io.cwd, (line) =>
    io.stderr.write(`  ${terminalSafe(line)}\n`),
  );
  const bottle = await openBottle(deps.home, slug);
  const live = await readLive(bottle.layout, 'routes');
  const dir = await mkdtemp(join(tmpdir(), `cb-routes-${slug}-`));
  const copy = join(dir, 'routes.yaml');
  await writeFile(copy, live.text, { mode: 0o600 });
  const editor = io.env.VISUAL || io.env.EDITOR || 'vi';
  // Through a shell, as git does: EDITOR may carry arguments ("code --wait").
  const run = await execa('sh', ['-c', `${editor} "$1"`, 'editor', copy], {
    env: io.env,
    stdio: 'inherit',
    reject: false,
  });
  if (run.exitCode !== 0) {
    throw new BottleError('EDITOR_FAILED', `${editor} exited with ${run.exitCode ?? run.signal}`, {
      hint: `nothing was changed; your copy is ${copy}`,
    });
  }
  const text = await readFile(copy, 'utf8');
  if (text === live.text) {
    await rm(dir, { recursive: true, force: true });
    io.stdout.write(`${slug}: routes.yaml unchanged\n`);
    return 0;
  }
  try {
    checkRoutesText(text, copy);
  } catch (error) {
    if (error instanceof BottleError)
      throw new BottleError(error.code, error.message, {
        hint: `nothing was changed; your copy is kept at ${copy}`,
      });
    throw error;
  }
  const outcome = await applyRoutes(bottle, text, live.sha256, deps);
  const operator = operatorName(io.env, 'routes edit');
  await appendAudit(bottle.layout, {
    tool: 'routes-edit',
    decision: 'operator-change',
    reason: reason?.trim() || 'operator edit',
    operator,
    ...(outcome.sha256Before ? { sha256_before: outcome.sha256Before } : {}),
    ...(outcome.kind === 'applied' && outcome.sha256After
      ? { sha256_after: outcome.sha256After }
      : {}),
    result: outcome.kind,
    message: outcome.message,
  });
  if (outcome.kind !== 'applied') {
    throw new BottleError(
      outcome.kind === 'stale' ? 'PROPOSAL_STALE' : 'APPLY_FAILED',
      outcome.message,
      {
        hint: `your copy is kept at ${copy}; run \`claude-bottle routes edit ${slug}\` again`,
      },
    );
  }
  await rm(dir, { recursive: true, force: true });
  io.stdout.write(`${slug}: ${outcome.message}\n`);
  return 0;
}

import { formatError } from '../../lib/errors.js';
import { oneLine } from '../../lib/terminal-safe.js';
import { engineDeps, operatorName } from '../engines/deps.js';
import { openBottle } from '../queue/bottles.js';
import { watchQueues } from '../queue/watch.js';
import { attachRules } from './runner.js';
import type { OperatorRule } from './schema.js';

export interface HeadlessOptions {
  home: string;
  env: NodeJS.ProcessEnv;
  cwd: string;
  slug?: string;
  rules: readonly OperatorRule[];
  /** Also say why each proposal was left for a person, and what the sweeps and engines did. */
  verbose: boolean;
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** Aborted on SIGINT/SIGTERM: stop watching, finish a decision under way, exit 0. */
  signal?: AbortSignal;
}

/**
 * `supervise --no-tui`: the supervisor without a screen. It watches every bottle's queue,
 * sweeps expired and superseded proposals, applies the operator rules (one stdout line per
 * auto-decision) and leaves everything else for a person deciding elsewhere.
 */
export async function runHeadless(options: HeadlessOptions): Promise<number> {
  const { home, env, cwd, slug, stdout, stderr, verbose } = options;
  if (slug) await openBottle(home, slug);
  const debug = (line: string) => {
    if (verbose) stderr.write(`${oneLine(line, 400)}\n`);
  };
  const deps = await engineDeps(env, cwd, debug);
  const watcher = watchQueues(home, {
    ...(slug ? { slug } : {}),
    sweep: { deps, operator: operatorName(env, 'supervise --no-tui') },
  });
  watcher.on('swept', (swept, moved) =>
    debug(`${swept}: archived ${moved} expired, superseded or already-decided proposal(s)`),
  );
  watcher.on('error', (error) => stderr.write(`queue watcher: ${firstLine(error)}\n`));
  const runner = attachRules(watcher, {
    home,
    rules: options.rules,
    ...(slug ? { slug } : {}),
    deps,
    onDecided: (view, rule, result) =>
      stdout.write(
        `${oneLine(
          `${result.decision.decision}${result.applied ? '' : ' (not applied)'} ${view.proposal.id} (${view.proposal.tool}, ${view.slug}) by rule ${rule.name}: ${result.message}`,
          400,
        )}\n`,
      ),
    onLeft: (view, reasons) =>
      debug(
        `left for a person: ${view.proposal.id} (${view.proposal.tool}, ${view.slug}): ${reasons.join('; ')}`,
      ),
    onError: (error, view) =>
      stderr.write(
        `${view ? `auto-approving ${view.proposal.id}: ` : 'operator rules: '}${firstLine(error)}\n`,
      ),
  });
  try {
    await watcher.ready;
  } catch (error) {
    await runner.close();
    await watcher.close();
    throw error;
  }
  stderr.write(
    `supervise --no-tui: watching ${slug ?? 'every bottle'} with ${options.rules.length} operator rule(s)${options.rules.length === 0 ? ' (only sweeping)' : ''}; SIGINT or SIGTERM stops\n`,
  );
  await new Promise<void>((resolve) => {
    if (!options.signal || options.signal.aborted) return resolve();
    options.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await runner.close();
  await watcher.close();
  return 0;
}

function firstLine(error: unknown): string {
  return oneLine(formatError(error).split('\n')[0] ?? '', 400);
}

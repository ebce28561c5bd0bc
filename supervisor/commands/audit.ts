import type { Command } from '../../lib/cli-args.js';

const options = { json: { type: 'boolean' }, verify: { type: 'boolean' } } as const;

export const auditCommand: Command<typeof options> = {
  name: 'audit',
  summary: "a bottle's decisions and operator changes, from its hash-chained audit log",
  help: `usage: claude-bottle audit <slug> [--json] [--verify]

Prints state/<slug>/audit/supervisor.jsonl: one line per decision (approved, rejected,
expired) and per operator change (routes edit), with who, why, the file's sha256 before and
after, and the result. Each line carries the sha256 of the line before it; the chain's head
is kept in metadata.json.

options:
  --verify   check the chain: exit 0 when intact, otherwise AUDIT_INVALID (exit 1) naming
             the first bad line (an edited, removed, reordered or truncated line is caught)
  --json     print {"lines":[…],"verify":{"ok":…}}
`,
  options,
  positionals: [1, 1],
  async run(args, io) {
    const { resolveHome } = await import('../../lib/home.js');
    const { BottleError } = await import('../../lib/errors.js');
    const { openBottle } = await import('../queue/bottles.js');
    const { auditFile, readAudit } = await import('../audit/log.js');
    const { jsonSafe, oneLine } = await import('../../lib/terminal-safe.js');
    const bottle = await openBottle(resolveHome(io.env, io.cwd), args.positionals[0]!);
    const { text, verify } = await readAudit(bottle.layout);
    const lines = text.split('\n').filter((line) => line !== '');
    if (args.values.json) {
      const parsed = lines.map((line) => {
        try {
          return JSON.parse(line) as unknown;
        } catch {
          return { unparsable: line };
        }
      });
      io.stdout.write(`${jsonSafe({ lines: parsed, verify })}\n`);
    } else if (!args.values.verify) {
      if (lines.length === 0) io.stdout.write('no decisions yet\n');
      for (const line of lines) io.stdout.write(`${formatLine(line, oneLine)}\n`);
    }
    if (args.values.verify) {
      if (!verify.ok) {
        throw new BottleError(
          'AUDIT_INVALID',
          `${auditFile(bottle.layout)} line ${verify.line}: ${verify.problem}`,
          {
            hint: 'the log was changed after it was written; compare it with a backup or the evidence you exported',
          },
        );
      }
      if (!args.values.json) io.stdout.write(`audit chain intact: ${verify.lines} line(s)\n`);
    }
    return 0;
  },
};

/** One audit line on one terminal line: every field folded, so no line can be forged. */
function formatLine(line: string, safe: (text: string, width: number) => string): string {
  try {
    const l = JSON.parse(line) as Record<string, string | number | undefined>;
    const sha = l.sha256_after
      ? ` sha256 ${String(l.sha256_before ?? '').slice(0, 8)}→${String(l.sha256_after).slice(0, 8)}`
      : '';
    return safe(
      `${l.seq} ${l.ts} ${l.decision} ${l.tool}${l.proposal_id ? ` ${l.proposal_id}` : ''} by ${l.operator}: ${l.result}${sha} — ${l.reason}${l.message ? ` (${l.message})` : ''}`,
      400,
    );
  } catch {
    return safe(`(unparsable) ${line}`, 400);
  }
}

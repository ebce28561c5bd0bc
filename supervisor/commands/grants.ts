import type { CliIo, Command } from '../../lib/cli-args.js';
import { BottleError } from '../../lib/errors.js';
import { resolveHome } from '../../lib/home.js';

const grantsOptions = { json: { type: 'boolean' } } as const;

export const grantsCommand: Command<typeof grantsOptions> = {
  name: 'grants',
  summary: "a bottle's time-boxed and once-only approvals, with the time or uses left",
  help: `usage: claude-bottle grants <slug> [--json]

Lists the grants with a lifetime (\`approve --once\` or \`--for\`): rules in the bottle's
routes.yaml that carry a \`grant\`, and token allowances approved for a time. Each shows what
it admits, the time left, the uses left for a once-grant, and who approved it. A grant that
ran out is listed as ended until the supervisor removes its rule (the proxy already
refuses it). Bottle-life and permanent approvals are plain rules: \`policy diff\` shows them.

options:
  --json   print {"slug","grants":[{"id","kind","what","lifetime","expires_at"?,"uses"?,
           "used"?,"ended"?,"proposal_id"?,"granted_by"?,"granted_at"?}]}
`,
  options: grantsOptions,
  positionals: [1, 1],
  async run(args, io: CliIo) {
    const { openBottle } = await import('../queue/bottles.js');
    const { liveGrants } = await import('../grants/live.js');
    const { shortMs } = await import('../grants/lifetime.js');
    const { jsonSafe, terminalSafe } = await import('../../lib/terminal-safe.js');
    const slug = args.positionals[0]!;
    const bottle = await openBottle(resolveHome(io.env, io.cwd), slug);
    const now = Date.now();
    const grants = await liveGrants(bottle, now);
    if (args.values.json) {
      io.stdout.write(`${jsonSafe({ slug, grants })}\n`);
      return 0;
    }
    if (grants.length === 0) {
      io.stdout.write(`${slug}: no grants with a lifetime\n`);
      return 0;
    }
    for (const grant of grants) {
      const left = grant.ended
        ? `ended: ${grant.ended}`
        : [
            grant.expires_at ? `${shortMs(Date.parse(grant.expires_at) - now)} left` : '',
            grant.uses === undefined
              ? ''
              : `${grant.uses - (grant.used ?? 0)} of ${grant.uses} use left`,
          ]
            .filter(Boolean)
            .join(', ');
      const by = grant.granted_by ? `  by ${grant.granted_by} at ${grant.granted_at}` : '';
      const from = grant.proposal_id ? ` (${grant.proposal_id})` : '';
      io.stdout.write(
        terminalSafe(
          `${grant.id}  ${grant.kind}  ${grant.what}\n    ${grant.lifetime}: ${left}${by}${from}\n`,
        ),
      );
    }
    return 0;
  },
};

const revokeOptions = {
  bottle: { type: 'string' },
  reason: { type: 'string' },
} as const;

export const revokeCommand: Command<typeof revokeOptions> = {
  name: 'revoke',
  summary: 'end a grant now: its rules leave routes.yaml (applied live) or its token is refused',
  help: `usage: claude-bottle revoke <grant> [--bottle SLUG] [--reason R]

Ends a grant before its time (ids from \`claude-bottle grants <slug>\`): a route grant's
rules are removed from routes.yaml and the proxy's reload confirmed; a token grant is marked
revoked, which the proxy checks before it lets that value through again. Audited as
grant-ended / revoked.

options:
  --bottle SLUG  look for the grant in this bottle only
  --reason R     why, for the audit line (default "revoked by the operator")
`,
  options: revokeOptions,
  positionals: [1, 1],
  async run(args, io: CliIo) {
    const id = args.positionals[0]!;
    if (!/^g-[a-z0-9-]{4,64}$/.test(id)) {
      throw new BottleError('USAGE', `"${id}" is not a grant id (they look like g-1a2b3c4d5e6f)`, {
        hint: 'run `claude-bottle grants <slug>` to see them',
      });
    }
    const { revokeGrant } = await import('../grants/end.js');
    const { engineDeps, operatorName } = await import('../engines/deps.js');
    const { terminalSafe } = await import('../../lib/terminal-safe.js');
    const deps = await engineDeps(io.env, io.cwd, (line) =>
      io.stderr.write(`  ${terminalSafe(line)}\n`),
    );
    const { slug, grant } = await revokeGrant(
      deps.home,
      id,
      {
        ...(args.values.bottle ? { slug: args.values.bottle } : {}),
        operator: operatorName(io.env, 'cli'),
        reason: args.values.reason?.trim() || 'revoked by the operator',
      },
      deps,
    );
    io.stdout.write(terminalSafe(`revoked ${id} (${slug}): ${grant.what}\n`));
    return 0;
  },
};

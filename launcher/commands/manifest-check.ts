import type { CliIo, Command } from '../../lib/cli-args.js';
import { ERROR_EXIT_CODES } from '../../lib/errors.js';
import { resolveHome } from '../../lib/home.js';
import type { ProviderRoutePlan } from '../credentials/provider-route.js';

/** `{"in_force": "added"|"hand-written", "host", "route_index"?}`, null without auth_token. */
function providerRouteJson(plan: ProviderRoutePlan): Record<string, unknown> | null {
  if (plan.kind === 'none') return null;
  if (plan.kind === 'added')
    return { in_force: 'added', host: plan.route.host, paths: plan.route.paths ?? null };
  return { in_force: 'hand-written', host: plan.host, route_index: plan.index };
}

const options = { json: { type: 'boolean' } } as const;

export const manifestCheckCommand: Command<typeof options> = {
  name: 'manifest check',
  summary: 'validate every bottle and agent manifest, listing all problems',
  help: `usage: claude-bottle manifest check [--json]

Loads every manifest and prints what it found:
  bottles  $CLAUDE_BOTTLE_HOME/bottles/*.md   (never from the working directory)
  agents   $CLAUDE_BOTTLE_HOME/agents/*.md and ./.claude-bottle/agents/*.md
References (a route's or remote's secret, an agent's bottle) are checked; secrets are
not resolved, so no credential needs to be present. For a bottle with auth_token it says
which route carries the provider's requests: the one the launcher adds, or a hand-written
route for the same host, which wins.

Exit status: 0 when everything is valid; 65 listing every problem otherwise.

options:
  --json   print {"bottles":[{"name","file","provider_route"}],"agents":[{"name","source","file"}],
           "errors":[…]} where each error is {"file","line","path","message"} and provider_route
           says which route carries the provider's requests (null without auth_token)
`,
  options,
  async run(args, io: CliIo) {
    // Loaded on use: every other verb's start-up would pay for the manifest schemas (zod, yaml).
    const { formatYamlIssue } = await import('../../lib/yaml-schema.js');
    const { describeProviderRoute, planProviderRoute } =
      await import('../credentials/provider-route.js');
    const { loadManifests, providerOf } = await import('../manifest/index.js');
    const home = resolveHome(io.env, io.cwd);
    const set = await loadManifests({ home, cwd: io.cwd, env: io.env });
    const code = set.errors.length > 0 ? ERROR_EXIT_CODES.MANIFEST_INVALID : 0;
    if (args.values.json) {
      const report = {
        bottles: set.bottles.map((b) => ({
          name: b.name,
          file: b.file,
          provider_route: providerRouteJson(planProviderRoute(b)),
        })),
        agents: set.agents.map((a) => ({ name: a.name, source: a.source, file: a.file })),
        errors: set.errors.map((e) => ({
          file: e.file,
          line: e.line ?? null,
          path: e.path,
          message: e.message,
        })),
      };
      io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      return code;
    }
    io.stdout.write(`home: ${home}\n`);
    io.stdout.write(`bottles (${set.bottles.length}):\n`);
    for (const b of set.bottles) {
      const routes = b.config.egress.routes.length;
      const remotes = b.config.git.remotes.length;
      io.stdout.write(
        `  ${b.name.padEnd(16)} provider ${providerOf(b).name}, ${routes} route(s), ${remotes} remote(s), ${Object.keys(b.config.secrets).length} secret(s)  ${b.file}\n`,
      );
      const providerRoute = describeProviderRoute(planProviderRoute(b));
      if (providerRoute) io.stdout.write(`  ${' '.repeat(16)} ${providerRoute}\n`);
    }
    io.stdout.write(`agents (${set.agents.length}):\n`);
    for (const a of set.agents)
      io.stdout.write(`  ${a.name.padEnd(16)} [${a.source}]  ${a.file}\n`);
    if (set.bottles.length === 0 && set.agents.length === 0)
      io.stderr.write(
        `note: nothing found under ${home}; set CLAUDE_BOTTLE_HOME (e.g. CLAUDE_BOTTLE_HOME=examples) or create ${home}/bottles/\n`,
      );
    if (set.errors.length === 0) {
      io.stdout.write('ok: every manifest is valid\n');
      return 0;
    }
    io.stderr.write(`error[MANIFEST_INVALID]: ${set.errors.length} problem(s):\n`);
    for (const issue of set.errors) io.stderr.write(`  ${formatYamlIssue(issue)}\n`);
    return code;
  },
};

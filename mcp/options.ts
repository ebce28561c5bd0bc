import { isAbsolute, resolve } from 'node:path';
import type { CliIo, Command, OptionSpec } from '../lib/cli-args.js';
import { parseHostPort } from '../lib/cli-args.js';
import { BottleError } from '../lib/errors.js';

/** Flags of `claude-bottle mcp` and of the supervise sidecar: one spec, one parser. */
export const SUPERVISE_OPTIONS = {
  state: { type: 'string' },
  stdio: { type: 'boolean' },
  http: { type: 'string' },
  'token-file': { type: 'string' },
  'max-wait': { type: 'string' },
  'allowed-host': { type: 'string', multiple: true },
} as const satisfies OptionSpec;

export const DEFAULT_MAX_WAIT_SECONDS = 1200;

export const SUPERVISE_HELP = `usage: claude-bottle mcp --state DIR (--stdio | --http HOST:PORT) [options]

Serves the supervise MCP server for one bottle: the tools egress-proxy-block,
capability-block, gitleaks-allow and await-proposal, and the bottle's live-config/
files as read-only resources. A proposal is written to DIR/queue/pending/agent/ and the
call waits for the operator's DIR/queue/decided/<id>.json. Nothing here approves.

options:
  --state DIR            the bottle's state dir (state/<slug>/): reads live-config/ and
                         git-gate/findings/, writes queue/pending/agent/, reads queue/decided/
  --stdio                serve one client over stdin/stdout (logs go to stderr)
  --http HOST:PORT       serve Streamable HTTP at http://HOST:PORT/mcp (port 0 picks one;
                         the chosen port is logged on stderr as the "listening" event)
  --token-file F         file holding the bearer token clients must send; required with --http
  --allowed-host NAME    a Host header name to accept, with or without :PORT (repeatable);
                         defaults to HOST (and localhost for a loopback HOST); required when
                         HOST is 0.0.0.0 or ::. Other Host headers get 403, a missing or wrong
                         token 401
  --max-wait SECONDS     how long one tool call waits for a decision before it returns
                         status "pending" and the agent continues with await-proposal
                         (default ${DEFAULT_MAX_WAIT_SECONDS})
  -h, --help             show this help

In a bottle the supervise sidecar runs:
  --state /run/claude-bottle/state --http 0.0.0.0:8080 \\
  --token-file /run/claude-bottle/mcp-token --allowed-host supervise
`;

export type ServeTransport =
  | { kind: 'stdio' }
  | { kind: 'http'; host: string; port: number; allowedHosts: string[]; tokenFile: string };

export interface ServeOptions {
  stateDir: string;
  maxWaitSeconds: number;
  transport: ServeTransport;
}

type SuperviseValues = Parameters<Command<typeof SUPERVISE_OPTIONS>['run']>[0]['values'];

/** The `mcp` command, with `run` supplied by its caller (the CLI verb or the sidecar's main). */
export function createSuperviseCommand(
  run: (options: ServeOptions, io: CliIo) => Promise<number>,
): Command<typeof SUPERVISE_OPTIONS> {
  return {
    name: 'mcp',
    summary: 'serve the supervise MCP server for one bottle (stdio or Streamable HTTP)',
    help: SUPERVISE_HELP,
    options: SUPERVISE_OPTIONS,
    positionals: [0, 0],
    run: (args, io) => run(resolveServeOptions(args.values, io.cwd), io),
  };
}

/** Checks flag combinations; every refusal says which flag to fix. */
export function resolveServeOptions(values: SuperviseValues, cwd: string): ServeOptions {
  const usage = (message: string, hint = 'run `claude-bottle mcp --help`'): BottleError =>
    new BottleError('USAGE', `mcp: ${message}`, { hint });
  if (!values.state) throw usage("--state DIR is required (the bottle's state/<slug>/ folder)");
  if (values.stdio === true && values.http !== undefined) {
    throw usage('choose one transport: --stdio or --http HOST:PORT, not both');
  }
  if (values.stdio !== true && values.http === undefined) {
    throw usage('choose a transport: --stdio or --http HOST:PORT');
  }
  const stateDir = isAbsolute(values.state) ? values.state : resolve(cwd, values.state);
  const maxWaitSeconds = parseMaxWait(values['max-wait']);
  const allowed = values['allowed-host'] ?? [];
  if (values.stdio === true) {
    if (values['token-file'] !== undefined || allowed.length > 0) {
      throw usage('--token-file and --allowed-host apply to --http only');
    }
    return { stateDir, maxWaitSeconds, transport: { kind: 'stdio' } };
  }
  const { host, port } = parseHostPort(values.http!, '--http');
  if (values['token-file'] === undefined) {
    throw usage(
      '--http needs --token-file F: the HTTP endpoint never runs without a bearer token',
      'write a random token to a file readable only by you and pass --token-file',
    );
  }
  return {
    stateDir,
    maxWaitSeconds,
    transport: {
      kind: 'http',
      host,
      port,
      allowedHosts: allowed.length > 0 ? allowed.map(stripPort) : defaultAllowedHosts(host),
      tokenFile: isAbsolute(values['token-file'])
        ? values['token-file']
        : resolve(cwd, values['token-file']),
    },
  };
}

function parseMaxWait(text: string | undefined): number {
  if (text === undefined) return DEFAULT_MAX_WAIT_SECONDS;
  const seconds = Number(text);
  if (!/^\d+$/.test(text) || seconds < 1 || seconds > 86_400) {
    throw new BottleError(
      'USAGE',
      `mcp: --max-wait must be whole seconds from 1 to 86400, got "${text}"`,
      {
        hint: `for example --max-wait ${DEFAULT_MAX_WAIT_SECONDS}`,
      },
    );
  }
  return seconds;
}

function defaultAllowedHosts(host: string): string[] {
  if (host === '0.0.0.0' || host === '::') {
    throw new BottleError(
      'USAGE',
      `mcp: --http ${host} listens on every address and needs --allowed-host NAME`,
      {
        hint: 'add --allowed-host NAME (in a bottle: --allowed-host supervise)',
      },
    );
  }
  const loopback = host === '127.0.0.1' || host === '::1' || host === 'localhost';
  return loopback && host !== 'localhost' ? [host, 'localhost'] : [host];
}

/** `supervise:8080` → `supervise`: the listening port is always added back. */
function stripPort(name: string): string {
  const match = /^(\[[^\]]+\]|[^:]+):\d+$/.exec(name);
  return (match ? match[1]! : name).replace(/^\[(.*)\]$/, '$1');
}

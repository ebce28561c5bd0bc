import type { Command, CliIo, ParsedCommandArgs } from '../../lib/cli-args.js';
import { parseHostPort } from '../../lib/cli-args.js';
import { BottleError } from '../../lib/errors.js';
import type { ProxyOptions, RunningProxy } from './proxy.js';

const OPTIONS = {
  routes: { type: 'string' },
  'ca-dir': { type: 'string' },
  listen: { type: 'string', default: '127.0.0.1:3128' },
  queue: { type: 'string' },
  'token-allow-timeout': { type: 'string', default: '300' },
  'upstream-timeout': { type: 'string', default: '120' },
  'headers-timeout': { type: 'string', default: '30' },
  resolve: { type: 'string', multiple: true },
  'secrets-dir': { type: 'string' },
  'denied-log': { type: 'string' },
  'grant-uses': { type: 'string' },
} as const;

const HELP = `usage: claude-bottle egress-proxy --routes FILE --ca-dir DIR [--secrets-dir DIR] [--listen HOST:PORT] [--queue DIR]

Runs the bottle's egress proxy: an HTTP forward proxy (absolute-URI requests and CONNECT)
that intercepts TLS with the CA in --ca-dir, allows only what routes.yaml lists (first
matching rule wins), injects each route's credential from the file of that name in
--secrets-dir (or from EGRESS_SECRET_<NAME>), scans headers, queries and bodies for secrets,
and writes one JSON decision line per request on stdout (other logs go to stderr). Upstream TLS is verified with the system store plus
NODE_EXTRA_CA_CERTS. SIGHUP re-reads routes.yaml (an invalid file keeps the old routes);
SIGINT/SIGTERM stop it.

options:
  --routes FILE               routes.yaml to enforce (format: docs/egress-proxy.md)
  --ca-dir DIR                folder holding ca.crt and ca.key (see \`claude-bottle ca init\`)
  --secrets-dir DIR           folder of secret files, one per secret named as in routes.yaml's
                              auth.secret (a bottle's launcher writes it). Read once at start;
                              EGRESS_SECRET_<NAME> variables are then ignored. Without it the
                              values come from those variables
  --listen HOST:PORT          where to listen (default 127.0.0.1:3128)
  --queue DIR                 proposal queue root: a token-like value in a request is held and
                              filed as an egress-token-allow proposal in DIR/pending/egress-proxy;
                              the decision is read from DIR/decided. Without it such requests get 403
  --token-allow-timeout S     seconds to wait for that decision before refusing (default 300)
  --upstream-timeout S        seconds to wait for an upstream's answer before 504 (default 120)
  --headers-timeout S         seconds a client has to send its request headers before 408 (default 30)
  --denied-log FILE           keep the recent refusals by policy in FILE (JSON lines, bounded;
                              format: docs/egress-proxy.md). Its folder must be writable
  --grant-uses FILE           count the requests each limited grant (a rule's grant.uses)
                              admitted in FILE, so a restart never admits a spent grant again;
                              counted in memory only without it
  --resolve NAME=ADDR         resolve NAME to ADDR without DNS (repeatable; for tests and
                              benchmarks). The private-address check still applies
  -h, --help                  show this help
`;

type ProxyArgs = ParsedCommandArgs<typeof OPTIONS>;

/** Flags → options; shared by the CLI verb and the image's entrypoint. */
export function proxyOptionsFromArgs(args: ProxyArgs, io: CliIo): ProxyOptions {
  const { values } = args;
  if (!values.routes) throw usage('--routes FILE is required');
  if (!values['ca-dir']) throw usage('--ca-dir DIR is required');
  const resolve = new Map<string, string>();
  for (const pin of values.resolve ?? []) {
    const match = /^([^=\s]+)=(\S+)$/.exec(pin);
    if (!match) throw usage(`--resolve takes NAME=ADDR, got "${pin}"`);
    resolve.set(match[1]!.toLowerCase(), match[2]!);
  }
  return {
    routesFile: values.routes,
    caDir: values['ca-dir'],
    listen: parseHostPort(values.listen, '--listen'),
    queueDir: values.queue,
    tokenAllowTimeoutMs: seconds(values['token-allow-timeout'], '--token-allow-timeout'),
    upstreamTimeoutMs: seconds(values['upstream-timeout'], '--upstream-timeout'),
    headersTimeoutMs: seconds(values['headers-timeout'], '--headers-timeout'),
    resolve,
    secretsDir: values['secrets-dir'],
    deniedLog: values['denied-log'],
    grantUses: values['grant-uses'],
    env: io.env,
    decisionSink: io.stdout,
    logSink: io.stderr,
  };
}

/** Where SIGHUP comes from; the real process in production. */
export interface SignalSource {
  on(event: 'SIGHUP', listener: () => void): unknown;
  off(event: 'SIGHUP', listener: () => void): unknown;
}

/** Serves until `signal` aborts, reloading routes on every SIGHUP. */
export async function serveUntilStopped(
  proxy: RunningProxy,
  signal: AbortSignal | undefined,
  hup: SignalSource,
): Promise<number> {
  const onHup = (): void => void proxy.reload();
  hup.on('SIGHUP', onHup);
  try {
    await new Promise<void>((resolve) => {
      if (!signal) return; // without a stop signal it serves for the life of the process
      if (signal.aborted) resolve();
      signal.addEventListener('abort', () => resolve(), { once: true });
    });
  } finally {
    hup.off('SIGHUP', onHup);
    proxy.logger.info('stopping');
    await proxy.close();
  }
  return 0;
}

/** The `egress-proxy` verb: the CLI re-exports it and the image's main() runs it. */
export const egressProxyCommandSpec: Command<typeof OPTIONS> = {
  name: 'egress-proxy',
  summary: 'run the TLS-intercepting egress proxy (routes, credential injection, DLP)',
  help: HELP,
  options: OPTIONS,
  positionals: [0, 0],
  async run(args, io) {
    const { startProxy } = await import('./proxy.js');
    const proxy = await startProxy(proxyOptionsFromArgs(args, io));
    return serveUntilStopped(proxy, io.signal, process);
  },
};

function seconds(text: string, flag: string): number {
  const value = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || value <= 0)
    throw usage(`${flag} takes a positive number of seconds, got "${text}"`);
  return Math.round(value * 1000);
}

function usage(message: string): BottleError {
  return new BottleError('USAGE', message, { hint: 'run `claude-bottle egress-proxy --help`' });
}

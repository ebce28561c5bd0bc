// The prose of the "## Egress proxy" section: what was run, how, and what the figures mean.
import { cpus } from 'node:os';
import { median } from './harness.js';
import { FULL, MITM, ROUNDS, type ContenderName, type Results } from './contenders.js';
import { MITMDUMP_FLAGS } from './mitmdump.js';
import type { ProxyLaunch } from './processes.js';
import { SSE_EVENTS, SSE_SPACING_MS } from './sse.js';

export interface ReportExtra {
  /** Version line per other proxy; undefined when it is not installed or could not start. */
  versions: Record<string, string | undefined>;
  /** "name: why" for each proxy that is installed but could not start. */
  skipped: string[];
  launch: ProxyLaunch;
  seconds: number;
  /** The machine's 1-minute load average when the run started (other work skews every figure). */
  loadAtStart: number;
}

const f = (value: number, digits = 2): string => value.toFixed(digits);
const cpu = (results: Results, name: ContenderName): number =>
  median(results.get(name)?.['cpu32-0'] ?? []);

/** The heading, what the bench does, and the machine line. */
export function introNotes(others: ContenderName[], extra: ReportExtra): string[] {
  const { launch } = extra;
  const how = [
    launch.cpus ? `under \`taskset -c ${launch.cpus}\`` : '',
    launch.workers === undefined ? '' : `with \`--workers ${launch.workers}\``,
    launch.cpuProfDir ? 'under `node --cpu-prof` (profiled: slower than usual)' : '',
  ].filter(Boolean);
  const who = others.length > 0 ? `all ${others.length + 1} proxies` : 'the proxy';
  return [
    '## Egress proxy',
    '',
    'Command: `npm run bench:proxy` (bench/proxy/run.ts). Each party has its own process: the harness',
    'runs the clients, a local HTTPS upstream runs alone, this proxy runs from a bundle the harness',
    'builds first (as the image ships it), mitmproxy, when installed, runs as `mitmdump` with a',
    'small addon (bench/proxy/mitm-addon.py), and http-mitm-proxy, when installed (a devDependency),',
    'runs from a bundle of bench/proxy/http-mitm-proxy-entry.ts. Every proxy enforces the same',
    'rule, one route: host `bench.upstream.test:<port>`, paths `/1k`, `/upload` and `/events`,',
    'methods GET and POST, an injected `Authorization: Bearer <secret>`, 403 otherwise; the',
    `harness checks this on ${who} before timing (allowed request 200 with the credential seen`,
    'upstream, another path and another method 403, and a POST whose body carries the secret 403).',
    'Every proxied request is CONNECT + intercepted TLS; this proxy runs with DLP on (one own',
    'secret loaded).',
    '',
    'The cases: 1 KiB responses (keep-alive, one at a time and 32 at once); 5 MiB POST bodies of',
    'English text, and of base64 (random bytes encoded as one 5 MiB run with no line breaks and no',
    'secret: the worst case for a scanner); a `text/event-stream` from `/events` of',
    `${SSE_EVENTS} events ${SSE_SPACING_MS} ms apart, each written on its own and stamped with the upstream's`,
    `clock when written (${FULL.sse} streams a round): "first event" is from sending the request to the`,
    'first event arriving, "sent → received" is each event\'s stamp to its arrival (both processes',
    'read the same clock), and an event a proxy holds back shows as a slow one (the table also',
    "counts events more than 2 ms slower than direct's median: direct's own count is the noise",
    'floor); and a new',
    `connection per request. Uploads stop after ${FULL.uploads} of each body or ${FULL.uploadMs / 1000} s (at least 2), new connections after`,
    `${FULL.fresh} or ${FULL.freshMs / 1000} s, so a slow proxy cannot stretch the run. Each route is warmed (requests, 1 s at concurrency 32, uploads of`,
    `both bodies, one event stream) before round 1; ${ROUNDS} rounds, the contenders interleaved in`,
    'each (each round starts with a different one); each figure is the median over rounds (SSE:',
    'over all streams, or events, of the run; the slowest event is the maximum). "vs direct" is the',
    'figure against a direct connection in the same rounds (added ms and the factor for latencies);',
    '"this proxy ÷ X" divides the two figures (for latency, RSS and ready time, below 1× means this',
    'proxy is better).',
    '',
    `Machine: ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, Node ${process.version}, measured ${new Date().toISOString().slice(0, 10)}, load average ${f(extra.loadAtStart)} at the start; whole bench ${f(extra.seconds, 0)} s.${how.length > 0 ? ` This proxy ran ${how.join(', ')}.` : ''}`,
  ];
}

/** Where the proxied req/s run's ceiling was. */
export function rpsNotes(results: Results): string[] {
  const p = results.get('proxy')!;
  const cores = cpu(results, 'proxy');
  const total = cores + median(p['cpu32-1'] ?? []) + median(p['cpu32-2'] ?? []);
  const scaling =
    'To see what a second core gives, `npm run bench:proxy -- --scaling` runs this proxy pinned to one core and to two (bench/README.md).';
  if (total >= cpus().length * 0.85) {
    return [
      `During the proxied req/s run the three processes used ${f(total)} of ${cpus().length} cores: the machine, not the proxy's event loop, is the ceiling there (the proxy itself used ${f(cores)}).`,
      scaling,
    ];
  }
  if (cores >= 0.9) {
    return [
      `At concurrency 32 the proxy used ${f(cores)} cores: its one event loop is the ceiling, while the`,
      'client and the upstream share the other core.',
      scaling,
    ];
  }
  return [
    `At concurrency 32 the proxy used ${f(cores)} cores, so it was not CPU-bound on one core.`,
  ];
}

/** How mitmproxy and http-mitm-proxy were run, and how their work differs from ours. */
export function otherProxyNotes(results: Results, extra: ReportExtra): string[] {
  const { versions } = extra;
  const mitm = versions.mitmproxy
    ? [
        `mitmproxy: ${versions.mitmproxy}, the Debian package \`mitmproxy\`, run as`,
        `\`mitmdump -s bench/proxy/mitm-addon.py ${MITMDUMP_FLAGS.join(' ')}\``,
        '`--set confdir=<tmp> --set ssl_verify_upstream_trusted_ca=<upstream CA>`; everything else at',
        'its defaults (HTTP/1.1 here, since the client offers no ALPN; bodies buffered whole;',
        '`connection_strategy=eager`, `upstream_cert=true`), except that the addon streams',
        '`text/event-stream` responses (`flow.response.stream = True`, as mitmproxy documents for',
        'them; buffered, no event would arrive before the stream ends). The addon enforces the same',
        'rule in Python (CONNECT and Host must name the route, path prefix and method as listed, the',
        'Authorization header replaced by the injected credential, 403 with a reason otherwise) and',
        'maps the bench host to 127.0.0.1 as `--resolve` does for this proxy. mitmdump has its own CA,',
        'created by a first start before the run; the client trusts it exactly as it trusts ours (the',
        '`ca` of its TLS socket), and mitmdump verifies the upstream against the upstream CA as ours does.',
        `mitmdump is asked less per round (${MITM.latency} sequential requests, up to ${MITM.uploads} uploads of each body and ${MITM.fresh} new`,
        `connections instead of ${FULL.latency}, ${FULL.uploads} and ${FULL.fresh}; the same ${MITM.rpsMs / 1000} s req/s run and ${MITM.sse} event streams) and warmed with`,
        `${MITM.warmSequential} requests and ${MITM.warmUploads} uploads instead of ${FULL.warmSequential} and ${FULL.warmUploads}, because it is slow and CPython has no JIT to`,
        `warm. At concurrency 32 mitmdump used ${f(cpu(results, 'mitmproxy'))} cores: one CPython process, one event loop.`,
        '',
      ]
    : [
        'mitmproxy (`mitmdump`) is not installed on this machine (or could not start), so its columns are',
        'absent. To add them, install it and rerun `npm run bench:proxy`: `sudo apt-get install -y mitmproxy` on Debian or',
        'Ubuntu (or `pipx install mitmproxy`); the harness finds `mitmdump` on PATH and runs it with',
        'bench/proxy/mitm-addon.py.',
        '',
      ];
  const hmp = versions['http-mitm-proxy']
    ? [
        `http-mitm-proxy: ${versions['http-mitm-proxy']} from npm (a devDependency), bundled with`,
        'bench/proxy/http-mitm-proxy-entry.ts by esbuild as this proxy is, run as `node <bundle>` with',
        "`listen({ host: '127.0.0.1', port: 0, sslCaDir: <tmp>, keepAlive: true, httpsAgent })`, the",
        'agent `new https.Agent({ keepAlive: true, ca: <upstream CA> })`, so it keeps upstream',
        'connections and verifies the upstream against the upstream CA; everything else at its',
        'defaults: no `forceSNI`, so for each host it starts an internal HTTPS server on a loopback',
        'port and pipes every CONNECT tunnel into it over a second TCP connection; leaf keys are',
        'RSA 2048 made by node-forge and cached in sslCaDir; HTTP/1.1; request bodies stream to the',
        'upstream without backpressure (its request filter never reports a full buffer). The entry',
        'enforces the same rule (a CONNECT to another host answered 403 on the socket; another Host,',
        'path or method 403; the Authorization header replaced by the injected credential), maps the',
        'bench host to 127.0.0.1 keeping the name for SNI and the certificate check, and checks each',
        'request body for the secret verbatim as it streams (`Buffer.includes` per chunk, keeping',
        'back the last secret length − 1 bytes so a secret split across chunks is seen whole before',
        'any of it leaves). Its CA is created in sslCaDir by a first start before the run; the client',
        `trusts it as it trusts ours. It gets the same counts as this proxy. At concurrency 32 it used ${f(cpu(results, 'http-mitm-proxy'))} cores.`,
        '',
      ]
    : [
        'http-mitm-proxy is not installed (or could not start), so its columns are absent: `npm install`',
        'installs it as a devDependency.',
        '',
      ];
  const skipped =
    extra.skipped.length > 0 ? [`Skipped this run: ${extra.skipped.join('; ')}.`, ''] : [];
  return [
    ...mitm,
    ...hmp,
    ...skipped,
    'Not equal work: the addon and the http-mitm-proxy entry check only that a request body does',
    'not hold the secret verbatim, while this proxy runs its full DLP (secret shapes, encodings of',
    'its own secret, scanning as the body streams) and, because the route injects a credential,',
    'also scans every response for a reflected secret; neither other proxy normalises paths.',
    'mitmproxy opens one upstream connection per client connection (by default at CONNECT time,',
    'to learn the upstream certificate), where this proxy and http-mitm-proxy keep a pool of',
    'upstream connections: that is part of the new-connection difference. mitmproxy 8.1 is what',
    'Debian 12 ships; newer releases may be faster.',
  ];
}

// The "## Egress proxy" section of docs/benchmarks.md, from one run's results.
import { cpus } from 'node:os';
import { median } from './harness.js';
import { FULL, MITM, ROUNDS, type Contender, type Results } from './contenders.js';
import { MITMDUMP_FLAGS } from './processes.js';

export function report(
  results: Results,
  contenders: Contender[],
  extra: { mitmVersion: string | undefined; seconds: number },
): string {
  const d = results.get('direct')!;
  const p = results.get('proxy')!;
  const x = results.get('mitmproxy');
  const ours = contenders.find((c) => c.name === 'proxy')!;
  const mitm = contenders.find((c) => c.name === 'mitmproxy');
  const m = (values: number[] | undefined): number => median(values ?? []);
  const f = (value: number, digits = 2): string => value.toFixed(digits);
  const met = (ok: boolean): string => (ok ? 'met' : '**missed**');
  const added = (route: Record<string, number[]>, key: string): string =>
    `+${f(m(route[key]) - m(d[key]), 3)} ms (${f(m(route[key]) / m(d[key]))}×)`;
  const ratio = (route: Record<string, number[]>, key: string): string =>
    `${f(m(route[key]) / m(d[key]))}×`;
  const versus = (a: number, b: number): string => `${f(a / b)}×`;
  const ourVsMitm = (key: string): string => (x ? versus(m(p[key]), m(x[key])) : '');
  const rss = (c: Contender | undefined): string =>
    c ? `${f(c.idleRss!, 1)} / ${f(c.loadedRss!, 1)}` : '';
  const startup = (c: Contender | undefined): number => median(c?.startup ?? []);
  const addedP50 = m(p.p50) - m(d.p50);
  const addedNew = m(p.newconn) - m(d.newconn);
  const rpsRatio = m(p.rps32) / m(d.rps32);
  const rpsVsMitm = x ? m(p.rps32) / m(x.rps32) : NaN;
  const used = (route: Record<string, number[]> | undefined, name: string): string =>
    route
      ? [
          route['cpu32-0'] ? `${name} ${f(m(route['cpu32-0']))}` : '',
          `upstream ${f(m(route['cpu32-1']))}`,
          `client ${f(m(route['cpu32-2']))}`,
        ]
          .filter(Boolean)
          .join(', ')
      : '';
  // Each row: measure, direct, ours, mitmproxy, ours vs direct, mitmproxy vs direct,
  // ours ÷ mitmproxy, target, met.
  const rows: string[][] = [
    [
      'p50 latency, concurrency 1, keep-alive (ms)',
      f(m(d.p50), 3),
      f(m(p.p50), 3),
      x ? f(m(x.p50), 3) : '',
      added(p, 'p50'),
      x ? added(x, 'p50') : '',
      ourVsMitm('p50'),
      'added ≤ 0.3 ms',
      met(addedP50 <= 0.3),
    ],
    [
      'p99 latency, concurrency 1 (ms)',
      f(m(d.p99), 3),
      f(m(p.p99), 3),
      x ? f(m(x.p99), 3) : '',
      added(p, 'p99'),
      x ? added(x, 'p99') : '',
      ourVsMitm('p99'),
      '',
      '',
    ],
    [
      '**req/s, concurrency 32, 1 KiB responses**',
      f(m(d.rps32), 0),
      f(m(p.rps32), 0),
      x ? f(m(x.rps32), 0) : '',
      ratio(p, 'rps32'),
      x ? ratio(x, 'rps32') : '',
      x ? `**${ourVsMitm('rps32')}**` : '',
      x ? '≥ 0.40× direct; ≥ 10× mitmproxy' : '≥ 0.40× direct',
      x
        ? `${met(rpsRatio >= 0.4)}; ${met(rpsVsMitm >= 10)}`
        : `${met(rpsRatio >= 0.4)}; ≥ 10× mitmproxy not measured`,
    ],
    [
      'MiB/s, 5 MiB POSTs, DLP on',
      f(m(d.mibps), 0),
      f(m(p.mibps), 0),
      x ? f(m(x.mibps), 0) : '',
      ratio(p, 'mibps'),
      x ? ratio(x, 'mibps') : '',
      ourVsMitm('mibps'),
      '≥ 250 MiB/s',
      met(m(p.mibps) >= 250),
    ],
    [
      'new connection (CONNECT + TLS) + request, p50 (ms)',
      f(m(d.newconn), 3),
      f(m(p.newconn), 3),
      x ? f(m(x.newconn), 3) : '',
      added(p, 'newconn'),
      x ? added(x, 'newconn') : '',
      ourVsMitm('newconn'),
      'added ≤ 1.5 ms',
      met(addedNew <= 1.5),
    ],
    [
      'proxy RSS idle / after the run (MB)',
      '',
      rss(ours),
      rss(mitm),
      '',
      '',
      mitm
        ? `${versus(ours.idleRss!, mitm.idleRss!)} / ${versus(ours.loadedRss!, mitm.loadedRss!)}`
        : '',
      'idle ≤ 60 MB',
      met(ours.idleRss! <= 60),
    ],
    [
      'proxy ready after spawn, median of 5 (ms)',
      '',
      f(startup(ours), 0),
      mitm ? f(startup(mitm), 0) : '',
      '',
      '',
      mitm ? versus(startup(ours), startup(mitm)) : '',
      '≤ 500 ms',
      met(startup(ours) <= 500),
    ],
    [
      'CPU during the req/s run (cores)',
      used(d, 'proxy'),
      used(p, 'proxy'),
      used(x, 'mitmdump'),
      '',
      '',
      '',
      '',
      '',
    ],
  ];
  // Without mitmdump its three columns are dropped.
  const keep = (row: string[]): string[] =>
    x ? row : row.filter((_, i) => i !== 3 && i !== 5 && i !== 6);
  const head = [
    'measure',
    'direct',
    'this proxy',
    'mitmproxy',
    'this proxy vs direct',
    'mitmproxy vs direct',
    'this proxy ÷ mitmproxy',
    'target',
    '',
  ];
  const table = [head, head.map(() => '---'), ...rows].map((row) => `| ${keep(row).join(' | ')} |`);

  const cores = m(p['cpu32-0']);
  const total = m(p['cpu32-0']) + m(p['cpu32-1']) + m(p['cpu32-2']);
  const ceiling =
    total >= cpus().length * 0.85
      ? `During the proxied req/s run the three processes used ${f(total)} of ${cpus().length} cores: the machine, not the proxy's event loop, is the ceiling there (the proxy itself used ${f(cores)}).`
      : cores >= 0.9
        ? [
            `At concurrency 32 the proxy used ${f(cores)} cores: its one event loop is the ceiling, while the`,
            `client and the upstream share the other core. To use a second core, run N = cores - 1`,
            'listeners with node:cluster (the primary keeps SIGHUP and fans it out; every worker loads',
            'the same routes, CA and leaf key) or move body scanning to a worker thread; neither is',
            'done yet because on this 2-core machine the client and upstream need the other core.',
          ].join('\n')
        : `At concurrency 32 the proxy used ${f(cores)} cores, so it was not CPU-bound on one core.`;
  const mitmNote = x
    ? [
        `mitmproxy: ${extra.mitmVersion}, the Debian package \`mitmproxy\`, run as`,
        `\`mitmdump -s bench/proxy/mitm-addon.py ${MITMDUMP_FLAGS.join(' ')}\``,
        '`--set confdir=<tmp> --set ssl_verify_upstream_trusted_ca=<upstream CA>`; everything else at',
        'its defaults (HTTP/1.1 here, since the client offers no ALPN; bodies buffered whole;',
        '`connection_strategy=eager`, `upstream_cert=true`). The addon enforces the same rule in Python',
        '(CONNECT and Host must name the route, path prefix and method as listed, the Authorization',
        'header replaced by the injected credential, 403 with a reason otherwise) and maps the bench',
        'host to 127.0.0.1 as `--resolve` does for this proxy. mitmdump has its own CA, created by a',
        'first start before the run; the client trusts it exactly as it trusts ours (the `ca` of its',
        'TLS socket), and mitmdump verifies the upstream against the upstream CA as ours does.',
        `mitmdump is asked less per round (${MITM.latency} sequential requests, ${MITM.uploads} uploads and ${MITM.fresh} new`,
        `connections instead of ${FULL.latency}, ${FULL.uploads} and ${FULL.fresh}; the same ${MITM.rpsMs / 1000} s req/s run) and warmed with`,
        `${MITM.warmSequential} requests and ${MITM.warmUploads} uploads instead of ${FULL.warmSequential} and ${FULL.warmUploads}, because it is slow and CPython has no JIT to`,
        `warm. At concurrency 32 mitmdump used ${f(m(x['cpu32-0']))} cores: one CPython process, one event loop.`,
        '',
        'Not equal work: the addon checks only that a request body does not hold the secret verbatim',
        '(one `bytes in` on the buffered body), while this proxy runs its full DLP (secret shapes,',
        'encodings of its own secret, scanning as the body streams) and, because the route injects a',
        'credential, also scans every response for a reflected secret; the addon normalises no paths.',
        'mitmproxy opens one upstream connection per client connection (by default at CONNECT time,',
        'to learn the upstream certificate), where this proxy keeps a pool of upstream connections:',
        'that is part of the new-connection difference. mitmproxy 8.1 is what Debian 12 ships; newer',
        'releases may be faster.',
      ].join('\n')
    : [
        'mitmproxy (`mitmdump`) is not installed on this machine, so its columns are absent. To add them,',
        'install it and rerun `npm run bench:proxy`: `sudo apt-get install -y mitmproxy` on Debian or',
        'Ubuntu (or `pipx install mitmproxy`); the harness finds `mitmdump` on PATH and runs it with',
        'bench/proxy/mitm-addon.py.',
      ].join('\n');
  return [
    '## Egress proxy',
    '',
    'Command: `npm run bench:proxy` (bench/proxy/run.ts). Each party has its own process: the harness',
    'runs the clients, a local HTTPS upstream (1 KiB responses, keep-alive) runs alone, this proxy',
    'runs from a bundle the harness builds first (as the image ships it), and mitmproxy, when installed,',
    'runs as `mitmdump` with a small addon (bench/proxy/mitm-addon.py). Both proxies enforce the same rule,',
    'one route: host `bench.upstream.test:<port>`, paths `/1k` and `/upload`, methods GET and POST, an',
    'injected `Authorization: Bearer <secret>`, 403 otherwise; the harness checks this on each',
    'before timing (allowed request 200 with the credential seen upstream, another path and',
    'another method 403). Every proxied request is CONNECT + intercepted TLS; this proxy runs with',
    'DLP on (one own secret loaded). Each route is warmed (requests, 1 s at concurrency 32,',
    `uploads) before round 1; ${ROUNDS} rounds, the contenders interleaved in each (each round starts`,
    'with a different one); each figure is the median over rounds. "vs direct" is the figure',
    'against a direct connection in the same rounds (added ms and the factor for latencies);',
    '"this proxy ÷ mitmproxy" divides the two figures (for latency, RSS and ready time, below 1×',
    'means this proxy is better).',
    '',
    `Machine: ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, Node ${process.version}, measured ${new Date().toISOString().slice(0, 10)}; whole bench ${f(extra.seconds, 0)} s.`,
    '',
    ...table,
    '',
    ceiling,
    '',
    mitmNote,
    '',
  ].join('\n');
}

// The "## Egress proxy" section of docs/benchmarks.md, from one run's results: the table here,
// the prose around it in report-notes.ts.
import { median } from './harness.js';
import type { Contender, ContenderName, Results } from './contenders.js';
import { introNotes, otherProxyNotes, rpsNotes, type ReportExtra } from './report-notes.js';

const LABEL: Record<ContenderName, string> = {
  direct: 'direct',
  proxy: 'this proxy',
  mitmproxy: 'mitmproxy',
  'http-mitm-proxy': 'http-mitm-proxy',
};

type Figures = Record<string, number[]>;
const f = (value: number, digits = 2): string =>
  Number.isFinite(value) ? value.toFixed(digits) : '';
const met = (ok: boolean): string => (ok ? 'met' : '**missed**');
const m = (values: number[] | undefined): number => median(values ?? []);
const max = (values: number[] | undefined): number => Math.max(...(values ?? [NaN]));

/** One table row: a figure per contender, compared with direct and divided into ours. */
interface Row {
  measure: string;
  figure: (r: Figures) => number;
  digits: number;
  /** How a proxy compares with direct: added ms (latencies) or a factor (rates). */
  vs?: 'added' | 'ratio';
  /** Direct's figure to compare with, when it is not the same figure (the slowest SSE event). */
  baseline?: (d: Figures) => number;
  target?: string;
  met?: string;
}

export function report(results: Results, contenders: Contender[], extra: ReportExtra): string {
  const d = results.get('direct')!;
  const p = results.get('proxy')!;
  const others = contenders.map((c) => c.name).filter((n) => n !== 'direct' && n !== 'proxy');
  const proxies: ContenderName[] = ['proxy', ...others];
  const x = results.get('mitmproxy');
  const ours = contenders.find((c) => c.name === 'proxy')!;
  const byName = (name: ContenderName): Contender | undefined =>
    contenders.find((c) => c.name === name);

  const added = (r: Figures, key: string): number => m(r[key]) - m(d[key]);
  const rpsRatio = m(p.rps32) / m(d.rps32);
  const large = (key: string): string =>
    [met(m(p[key]) >= 250), x ? met(m(p[key]) >= 2 * m(x[key])) : '2× mitmproxy not measured'].join(
      '; ',
    );
  const sseHeld = max(p.sseTransit) - m(d.sseTransit);
  const rows: Row[] = [
    {
      measure: 'p50 latency, concurrency 1, keep-alive (ms)',
      figure: (r) => m(r.p50),
      digits: 3,
      vs: 'added',
      target: 'added ≤ 0.3 ms',
      met: met(added(p, 'p50') <= 0.3),
    },
    { measure: 'p99 latency, concurrency 1 (ms)', figure: (r) => m(r.p99), digits: 3, vs: 'added' },
    {
      measure: '**req/s, concurrency 32, 1 KiB responses**',
      figure: (r) => m(r.rps32),
      digits: 0,
      vs: 'ratio',
      target: x ? '≥ 0.40× direct; ≥ 10× mitmproxy' : '≥ 0.40× direct',
      met: x
        ? `${met(rpsRatio >= 0.4)}; ${met(m(p.rps32) / m(x.rps32) >= 10)}`
        : `${met(rpsRatio >= 0.4)}; ≥ 10× mitmproxy not measured`,
    },
    {
      measure: 'MiB/s, 5 MiB text POSTs, DLP on',
      figure: (r) => m(r.mibps),
      digits: 0,
      vs: 'ratio',
      target: '≥ 250 MiB/s; ≥ 2× mitmproxy',
      met: large('mibps'),
    },
    {
      measure: 'MiB/s, 5 MiB base64 POSTs (one run, random bytes), DLP on',
      figure: (r) => m(r.mibps64),
      digits: 0,
      vs: 'ratio',
      target: '≥ 250 MiB/s; ≥ 2× mitmproxy',
      met: large('mibps64'),
    },
    {
      measure: 'SSE: first event after the request, median (ms)',
      figure: (r) => m(r.sseFirst),
      digits: 3,
      vs: 'added',
      target: 'added ≤ 2 ms',
      met: met(added(p, 'sseFirst') <= 2),
    },
    {
      measure: 'SSE: event sent → received, p50 over events (ms)',
      figure: (r) => m(r.sseTransit),
      digits: 3,
      vs: 'added',
    },
    {
      measure: "SSE: slowest event sent → received (ms; vs direct's p50)",
      figure: (r) => max(r.sseTransit),
      digits: 3,
      vs: 'added',
      baseline: (r) => m(r.sseTransit),
      target: 'no event held: added ≤ 2 ms',
      met: met(sseHeld <= 2),
    },
    {
      // Direct's own count is the noise floor: a proxy that holds events shows many more.
      measure: `SSE: events > 2 ms slower than direct's p50 (of ${p.sseTransit?.length ?? 0})`,
      figure: (r) => (r.sseTransit ?? []).filter((t) => t > m(d.sseTransit) + 2).length,
      digits: 0,
    },
    {
      measure: 'new connection (CONNECT + TLS) + request, p50 (ms)',
      figure: (r) => m(r.newconn),
      digits: 3,
      vs: 'added',
      target: 'added ≤ 1.5 ms',
      met: met(added(p, 'newconn') <= 1.5),
    },
  ];

  const cells = (row: Row): string[] => {
    const value = (name: ContenderName): number => row.figure(results.get(name)!);
    const base = (row.baseline ?? row.figure)(d);
    const vs = (name: ContenderName): string =>
      row.vs === 'added'
        ? `+${f(value(name) - base, 3)} ms (${f(value(name) / base)}×)`
        : row.vs === 'ratio'
          ? `${f(value(name) / base)}×`
          : '';
    const ratio = (name: ContenderName): string =>
      row.vs ? `${f(value('proxy') / value(name))}×` : '';
    return [
      row.measure,
      f(value('direct'), row.digits),
      ...proxies.map((name) => f(value(name), row.digits)),
      ...proxies.map(vs),
      ...others.map((name) =>
        row.measure.startsWith('**req/s') ? `**${ratio(name)}**` : ratio(name),
      ),
      row.target ?? '',
      row.met ?? '',
    ];
  };
  const rss = (c: Contender | undefined): string =>
    c ? `${f(c.idleRss!, 1)} / ${f(c.loadedRss!, 1)}` : '';
  const startup = (c: Contender | undefined): number => median(c?.startup ?? []);
  const divide = (pick: (c: Contender) => number): string[] =>
    others.map((name) => `${f(pick(ours) / pick(byName(name)!))}×`);
  const blanks = proxies.map(() => '');
  const used = (name: ContenderName): string => {
    const r = results.get(name)!;
    const party =
      name === 'direct'
        ? ''
        : `${name === 'mitmproxy' ? 'mitmdump' : name} ${f(m(r['cpu32-0']))}, `;
    return `${party}upstream ${f(m(r['cpu32-1']))}, client ${f(m(r['cpu32-2']))}`;
  };
  const table = [
    ...rows.map(cells),
    [
      'proxy RSS idle / after the run (MB)',
      '',
      ...proxies.map((name) => rss(byName(name))),
      ...blanks,
      ...others.map((name) => {
        const other = byName(name)!;
        return `${f(ours.idleRss! / other.idleRss!)}× / ${f(ours.loadedRss! / other.loadedRss!)}×`;
      }),
      'idle ≤ 60 MB',
      met(ours.idleRss! <= 60),
    ],
    [
      'proxy ready after spawn, median of 5 (ms)',
      '',
      ...proxies.map((name) => f(startup(byName(name)), 0)),
      ...blanks,
      ...divide((c) => startup(c)),
      '≤ 500 ms',
      met(startup(ours) <= 500),
    ],
    [
      'CPU during the req/s run (cores)',
      used('direct'),
      ...proxies.map(used),
      ...blanks,
      ...others.map(() => ''),
      '',
      '',
    ],
  ];
  const head = [
    'measure',
    'direct',
    ...proxies.map((name) => LABEL[name]),
    ...proxies.map((name) => `${LABEL[name]} vs direct`),
    ...others.map((name) => `this proxy ÷ ${LABEL[name]}`),
    'target',
    '',
  ];
  const lines = [head, head.map(() => '---'), ...table].map((row) => `| ${row.join(' | ')} |`);
  return [
    ...introNotes(others, extra),
    '',
    ...lines,
    '',
    ...rpsNotes(results),
    '',
    ...otherProxyNotes(results, extra),
    '',
  ].join('\n');
}

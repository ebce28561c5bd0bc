// `npm run bench:cli`: the `claude-bottle` process itself — wall time of a fresh process for
// `--version`, `list` and the load of `start` (up to its first manifest lookup), run the way a
// user runs it (bin/claude-bottle.js, which runs the esbuild bundle in dist/cli/) beside the
// tsc output it ran before (dist/launcher/cli.js) and a bare `node -e 0`, interleaved in one
// run. Results go to the "## CLI process" section of docs/benchmarks.md.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { replaceSection } from '../benchmarks-doc.js';
import { ROOT } from '../start/bench-home.js';
import { now } from '../start/engine.js';
import { fmtMs as f, fmtRatio as x, median, p90 } from '../start/stats.js';

const ROUNDS = Number(process.env.CB_BENCH_CLI_ROUNDS ?? 20);
const TARGET_MS = 150;
const BIN = join(ROOT, 'bin/claude-bottle.js');
const COMPILED = join(ROOT, 'dist/launcher/cli.js');

interface Case {
  name: string;
  argv: string[];
  /** The exit code this case must end with (a wrong one means it measured something else). */
  code: number;
}

const VERBS: Case[] = [
  { name: '`--version`', argv: ['--version'], code: 0 },
  { name: '`list` (empty home: no engine call)', argv: ['list'], code: 0 },
  // Runs the verb's whole module graph (dockerode, compose, manifests) and stops at the
  // manifest lookup, before any engine work: what `start` pays for loading its code.
  {
    name: '`start <unknown agent>` (loads `start`, stops at the manifest)',
    argv: ['start', 'cbbench-none'],
    code: 66,
  },
];

async function main(): Promise<void> {
  for (const file of [join(ROOT, 'dist/cli/cli.mjs'), COMPILED])
    if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first`);
  const home = await mkdtemp(join(tmpdir(), 'cb-bench-cli-'));
  const env = { ...process.env, CLAUDE_BOTTLE_HOME: home };
  const started = now();
  const loadBefore = loadavg()[0]!;
  const ways = {
    node: () => ['-e', '0'],
    bin: (argv: string[]) => [BIN, ...argv],
    compiled: (argv: string[]) => [
      '--input-type=module',
      '-e',
      `const { runCli } = await import(${JSON.stringify(COMPILED)}); process.exitCode = await runCli(${JSON.stringify(argv)});`,
    ],
  };
  const times = {
    node: [] as number[],
    bin: VERBS.map(() => [] as number[]),
    compiled: VERBS.map(() => [] as number[]),
  };
  const timed = async (args: string[], code: number): Promise<number> => {
    const t0 = now();
    const out = await execa('node', args, { env, cwd: home, reject: false });
    const ms = now() - t0;
    if (out.exitCode !== code)
      throw new Error(`node ${args.join(' ')} exited ${out.exitCode}, not ${code}: ${out.stderr}`);
    return ms;
  };
  try {
    // One untimed pass warms the page cache for every file each way reads.
    for (const verb of VERBS) {
      await timed(ways.bin(verb.argv), verb.code);
      await timed(ways.compiled(verb.argv), verb.code);
    }
    for (let round = 0; round < ROUNDS; round++) {
      // Interleaved, the order flipping each round so drift favours neither side.
      const steps: (() => Promise<void>)[] = [
        async () => void times.node.push(await timed(ways.node(), 0)),
        ...VERBS.map((verb, i) => async () => {
          times.bin[i]!.push(await timed(ways.bin(verb.argv), verb.code));
          times.compiled[i]!.push(await timed(ways.compiled(verb.argv), verb.code));
        }),
      ];
      for (const step of round % 2 === 0 ? steps : [...steps].reverse()) await step();
    }
  } finally {
    await rm(home, { recursive: true, force: true });
  }
  const nodeMs = median(times.node);
  const rows = VERBS.map((verb, i) => {
    const bin = times.bin[i]!;
    const compiled = times.compiled[i]!;
    const met = median(bin) < TARGET_MS ? 'met' : '**missed**';
    return `| ${verb.name} | ${f(median(bin))} | ${f(p90(bin))} | ${x(median(bin) / nodeMs)} | ${f(median(compiled))} | ${x(median(compiled) / median(bin))} | ${verb.argv[0] === 'start' ? '–' : `< ${TARGET_MS} ms: ${met}`} |`;
  });
  const section = [
    '## CLI process',
    '',
    "Command: `npm run bench:cli` (bench/cli/run.ts). A fresh `node` process per run, as a user's",
    'shell starts it: `node bin/claude-bottle.js <verb>` (the esbuild bundle in dist/cli/: the verb',
    "table, then each verb's code as a chunk loaded when it runs) beside the tsc output the binary",
    'ran before (`dist/launcher/cli.js`, imported by a `node -e` with the same argv) and a bare',
    '`node -e 0`, interleaved in one run, order flipped each round. An empty temp home, so `list`',
    'reads no bottle and calls no engine (`list` over ten running bottles is in "Many bottles").',
    '',
    `Machine: ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, Node ${process.version}, 1-min load ${loadBefore.toFixed(2)} before / ${loadavg()[0]!.toFixed(2)} after; measured ${new Date().toISOString().slice(0, 10)}. ${ROUNDS} rounds after one untimed pass, ${Math.round((now() - started) / 1000)} s in all.`,
    '',
    `| verb (wall ms, fresh process) | bin (bundle) median | p90 | / \`node -e 0\` | tsc output median | tsc / bundle | target |`,
    '| --- | --- | --- | --- | --- | --- | --- |',
    `| \`node -e 0\` (the runtime alone) | ${f(nodeMs)} | ${f(p90(times.node))} | 1.00× | – | – | – |`,
    ...rows,
    '',
    "- The bundle (scripts/bundle.mjs) keeps blessed in node_modules (it requires its widgets and terminfo by computed paths) and loads dockerode's SSH transport and BuildKit session code only on use.",
    '',
  ].join('\n');
  await replaceSection(join(ROOT, 'docs/benchmarks.md'), 'CLI process', `${section}\n`);
  process.stdout.write(`${section}\n`);
}

await main();

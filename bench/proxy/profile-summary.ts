// Top self-time functions of V8 CPU profiles (`node --cpu-prof`, e.g. from a bench run with
// BENCH_PROXY_CPU_PROF=<dir>):
//   node --import tsx bench/proxy/profile-summary.ts <file.cpuprofile | dir>... [--top N]
// A folder stands for every .cpuprofile in it (one per process: cluster workers write their own);
// several profiles are added up. Self time comes from the samples' time deltas; locations are
// file:line:column, 1-based, mapped to the source through a .map next to the bundle if present.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function profilesIn(paths: string[]): string[] {
  return paths.flatMap((path) =>
    statSync(path).isDirectory()
      ? readdirSync(path)
          .filter((name) => name.endsWith('.cpuprofile'))
          .sort()
          .map((name) => join(path, name))
      : [path],
  );
}

const sourceMaps = new Map<string, SourceMap | undefined>();

/** The source map written next to `file` (bundle.ts does for a profiled bench run), if any. */
function sourceMapOf(file: string): SourceMap | undefined {
  if (!sourceMaps.has(file)) {
    const map = `${file}.map`;
    sourceMaps.set(
      file,
      existsSync(map) ? new SourceMap(JSON.parse(readFileSync(map, 'utf8')) as never) : undefined,
    );
  }
  return sourceMaps.get(file);
}

const shown = (file: string): string =>
  file.startsWith(process.cwd()) ? relative(process.cwd(), file) : file;

/** file:line:column, mapped back to the source when the file has a source map. */
function location({ url, lineNumber, columnNumber }: ProfileNode['callFrame']): string {
  if (!url) return '';
  const file = url.startsWith('file://') ? fileURLToPath(url) : url;
  const entry = sourceMapOf(file)?.findEntry(lineNumber, columnNumber);
  if (entry && 'originalSource' in entry) {
    const source = entry.originalSource.startsWith('file://')
      ? fileURLToPath(entry.originalSource)
      : resolve(dirname(file), entry.originalSource);
    return `${shown(source)}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
  }
  return `${shown(file)}:${lineNumber + 1}:${columnNumber + 1}`;
}

/** Microseconds of self time per function (name + location), summed over `files`. */
function selfTimes(files: string[]): Map<string, number> {
  const totals = new Map<string, number>();
  for (const file of files) {
    const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
    const keyOf = new Map(
      profile.nodes.map((node) => {
        const where = location(node.callFrame);
        const name = node.callFrame.functionName || '(anonymous)';
        return [node.id, where ? `${name}  ${where}` : name];
      }),
    );
    // timeDeltas[i] is the time before sample i; sample i's own span is the next delta.
    profile.samples.forEach((id, i) => {
      const span = profile.timeDeltas[i + 1] ?? 0;
      const key = keyOf.get(id) ?? '(unknown)';
      totals.set(key, (totals.get(key) ?? 0) + span);
    });
  }
  return totals;
}

function main(argv: string[]): number {
  const topAt = argv.indexOf('--top');
  const top = topAt === -1 ? 30 : Number(argv[topAt + 1]);
  const paths = topAt === -1 ? argv : argv.filter((_, i) => i !== topAt && i !== topAt + 1);
  const files = profilesIn(paths);
  if (files.length === 0 || !Number.isInteger(top) || top <= 0) {
    process.stderr.write(
      'usage: node --import tsx bench/proxy/profile-summary.ts <file.cpuprofile | dir>... [--top N]\n',
    );
    return 64;
  }
  const totals = selfTimes(files);
  const all = [...totals.values()].reduce((a, b) => a + b, 0);
  const idle = totals.get('(idle)') ?? 0;
  const ms = (us: number): string => (us / 1000).toFixed(1).padStart(9);
  const pct = (us: number, of: number): string => `${((100 * us) / of).toFixed(1)}%`.padStart(6);
  const out = [
    `${files.length} profile(s): ${files.map((file) => basename(file)).join(', ')}`,
    `sampled ${ms(all).trim()} ms, idle ${ms(idle).trim()} ms, busy ${ms(all - idle).trim()} ms`,
    '',
    `${'self ms'.padStart(9)} ${'total'.padStart(6)} ${'busy'.padStart(6)}  function  file:line:column`,
  ];
  const ranked = [...totals.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  for (const [key, us] of ranked) {
    const busy = key === '(idle)' ? ''.padStart(6) : pct(us, all - idle);
    out.push(`${ms(us)} ${pct(us, all)} ${busy}  ${key}`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));

// `npm run bench:dlp`: what the DLP engine costs per MiB on realistic bodies, in one process,
// with its parts measured apart (plain-text detectors, decoding, crypto keys), written to the
// "## DLP engine" section of docs/benchmarks.md.
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cryptoKeyHits } from '../../images/egress-proxy/dlp/crypto-keys.js';
import { scanRuns } from '../../images/egress-proxy/dlp/decode-layers.js';
import { DlpEngine } from '../../images/egress-proxy/dlp/engine.js';
import { benignCorpus } from '../../tests/fixtures/dlp/benign.js';
import { replaceSection } from '../benchmarks-doc.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const OWN = [{ name: 'github', value: 'own-secret-value-K7pQ2mX9' }];
const ROUNDS = 5;

/** Median ms per MiB of `work` over `text`, after a warm-up. */
function msPerMiB(text: string, work: (text: string) => unknown): number {
  const mib = text.length / (1 << 20);
  for (let i = 0; i < 3; i++) work(text);
  const times: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const started = performance.now();
    work(text);
    times.push((performance.now() - started) / mib);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
}

async function main(): Promise<void> {
  const started = performance.now();
  const full = new DlpEngine(OWN);
  const plain = new DlpEngine(OWN, { decodeDepth: 0 });
  const items = benignCorpus().filter((item) =>
    [
      'package-lock.json',
      'an LLM request carrying that source',
      'README and docs prose',
      '1 MiB of random bytes as base64',
      'the same as hex',
      'the same raw',
    ].includes(item.name),
  );
  const rows = items.map((item) => {
    const text = Buffer.from(item.text, 'utf8').toString('latin1');
    const whole = msPerMiB(text, (t) => full.scan(t));
    const plainText = msPerMiB(text, (t) => plain.scan(t));
    const runs = msPerMiB(text, (t) => scanRuns(t));
    const crypto = msPerMiB(text, (t) => cryptoKeyHits(t, scanRuns(t))) - runs;
    return { name: item.name, size: text.length, whole, plainText, runs, crypto };
  });
  const fmt = (ms: number): string => Math.max(0, ms).toFixed(1);
  const table = [
    '| body | size | whole engine (ms/MiB) | MiB/s | plain text only (ms/MiB) | decoding layers (ms/MiB) | of which run finding | crypto keys on found runs |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (row) =>
        `| ${row.name} | ${(row.size / 1024).toFixed(0)} KiB | ${fmt(row.whole)} | ${(1000 / row.whole).toFixed(0)} | ${fmt(row.plainText)} | ${fmt(row.whole - row.plainText)} | ${fmt(row.runs)} | ${fmt(row.crypto)} |`,
    ),
  ];
  const section = `## DLP engine

Command: \`npm run bench:dlp\` (bench/dlp/run.ts). One process, no network: \`DlpEngine.scan\`
over whole bodies from the benign corpus (tests/fixtures/dlp/benign.ts, built from this checkout),
one own secret loaded, median of ${ROUNDS} runs after a warm-up. "plain text only" is the same
engine with decoding off (\`decodeDepth: 0\`: the regex detectors, the own-secret needles, the run
scan and crypto keys on plain text); "decoding layers" is the difference, i.e. the cost of
looking inside base64, hex and percent-encoding up to 3 layers deep. "run finding" is the one
pass that locates encoded runs and word runs (it serves both decoding and the crypto-key
detectors); "crypto keys" is the WIF checksum, 0x-key context and BIP-39 checks on those runs.

Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}, Node ${process.version}, measured ${new Date().toISOString().slice(0, 10)}; ${((performance.now() - started) / 1000).toFixed(0)} s.

${table.join('\n')}
`;
  console.log(section);
  await replaceSection(join(ROOT, 'docs/benchmarks.md'), 'DLP engine', section);
}

await main();

import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCa } from '../../images/egress-proxy/ca.js';
import { routesYaml, startUpstream, type BenchRule, type Started } from './processes.js';

/** What every mode of the bench shares: a temp dir, the CAs, the upstream and the one rule. */
export interface BenchSetup {
  dir: string;
  upstreamCa: string;
  bottleCa: string;
  upstream: Started;
  /** The upstream's name; it resolves to 127.0.0.1 only inside the harness. */
  host: string;
  rule: BenchRule;
  /** The upstream by address (direct) and by name (through a proxy). */
  url: (path: string) => URL;
  named: (path: string) => URL;
}

export async function setUp(): Promise<BenchSetup> {
  const dir = await mkdtemp(join(tmpdir(), 'cb-bench-'));
  await createCa(join(dir, 'up'));
  await createCa(join(dir, 'bottle'));
  const upstream = await startUpstream(join(dir, 'up'));
  const host = 'bench.upstream.test';
  const rule: BenchRule = {
    host: `${host}:${upstream.port}`,
    paths: ['/1k', '/upload', '/events'],
    methods: ['GET', 'POST'],
    header: 'Authorization',
    scheme: 'Bearer',
  };
  await writeFile(join(dir, 'routes.yaml'), routesYaml(rule));
  return {
    dir,
    upstreamCa: readFileSync(join(dir, 'up/ca.crt'), 'utf8'),
    bottleCa: readFileSync(join(dir, 'bottle/ca.crt'), 'utf8'),
    upstream,
    host,
    rule,
    url: (path) => new URL(`https://127.0.0.1:${upstream.port}${path}`),
    named: (path) => new URL(`https://${rule.host}${path}`),
  };
}

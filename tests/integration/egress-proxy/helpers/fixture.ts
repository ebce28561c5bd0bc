import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTestCa, type TestCa } from './pki.js';
import { startProxyProcess, type ProxyProcess } from './proxy-process.js';
import { startUpstream, type TestUpstream } from './upstream.js';

/** The bottle's own secret in these tests; it must never appear in any proxy output. */
export const OWN_SECRET = 'own-secret-7Hq2xV9pLm4RtY8w';

export interface Fixture {
  dir: string;
  routesFile: string;
  /** The proxy's --secrets-dir: one file per secret, as the launcher writes it. */
  secretsDir: string;
  bottleCa: TestCa;
  upstreamCa: TestCa;
  upstream: TestUpstream;
  proxy: ProxyProcess;
  /** `https://NAME.upstream.test:PORT`: every name resolves to the loopback upstream. */
  url(name: string, path: string): string;
  close(): Promise<void>;
}

export const NAMES = ['api', 'open', 'noprivate', 'untrusted', 'down', 'added', 'pass'] as const;

/**
 * A bottle CA, a loopback HTTPS upstream with its own CA (trusted by the proxy through
 * NODE_EXTRA_CA_CERTS), a routes.yaml built by `routes(port)`, and the proxy as a child process.
 * Every `*.upstream.test` name is pinned to 127.0.0.1 with --resolve: nothing reaches DNS.
 * The secrets (`github` = OWN_SECRET, plus `extraSecrets`) are files in --secrets-dir, as in a
 * bottle.
 */
export async function startFixture(
  routes: (port: number) => string,
  extraArgs: string[] = [],
  extraEnv: NodeJS.ProcessEnv = {},
  extraSecrets: Record<string, string> = {},
): Promise<Fixture> {
  const dir = await mkdtemp(join(tmpdir(), 'cb-proxy-test-'));
  const secretsDir = join(dir, 'secrets');
  await mkdir(secretsDir, { mode: 0o700 });
  for (const [name, value] of Object.entries({ github: OWN_SECRET, ...extraSecrets }))
    await writeFile(join(secretsDir, name), value, { mode: 0o400 });
  const bottleCa = await makeTestCa('bottle');
  const upstreamCa = await makeTestCa('upstream');
  const upstream = await startUpstream(upstreamCa);
  const routesFile = join(dir, 'routes.yaml');
  await writeFile(routesFile, routes(upstream.port));
  const resolve = NAMES.flatMap((name) => ['--resolve', `${name}.upstream.test=127.0.0.1`]);
  const proxy = await startProxyProcess(
    [
      '--routes',
      routesFile,
      '--ca-dir',
      bottleCa.dir,
      '--listen',
      '127.0.0.1:0',
      '--secrets-dir',
      secretsDir,
      ...resolve,
      ...extraArgs,
    ],
    {
      NODE_EXTRA_CA_CERTS: join(upstreamCa.dir, 'ca.crt'),
      ...extraEnv,
    },
  );
  return {
    dir,
    routesFile,
    secretsDir,
    bottleCa,
    upstreamCa,
    upstream,
    proxy,
    url: (name, path) => `https://${name}.upstream.test:${upstream.port}${path}`,
    close: async () => {
      await proxy.stop();
      await upstream.close();
    },
  };
}

import { mkdtemp, writeFile } from 'node:fs/promises';
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
 */
export async function startFixture(
  routes: (port: number) => string,
  extraArgs: string[] = [],
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<Fixture> {
  const dir = await mkdtemp(join(tmpdir(), 'cb-proxy-test-'));
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
      ...resolve,
      ...extraArgs,
    ],
    {
      EGRESS_SECRET_GITHUB: OWN_SECRET,
      NODE_EXTRA_CA_CERTS: join(upstreamCa.dir, 'ca.crt'),
      ...extraEnv,
    },
  );
  return {
    dir,
    routesFile,
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

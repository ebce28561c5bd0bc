import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

const UPSTREAM_SCRIPT = fileURLToPath(new URL('../fixtures/upstream-server.mjs', import.meta.url));

/**
 * Starts the echoing HTTPS upstream (tests/fixtures/upstream-server.mjs) as a container on a
 * bottle's egress network under `alias`, with the certificate in `certDir` (server.crt/.key
 * from makeServerCert), and waits until it listens. Returns the container's name.
 */
export async function startUpstreamContainer(options: {
  slug: string;
  certDir: string;
  image: string;
  alias?: string;
  /** Another server script to run instead of upstream-server.mjs (same certificate paths). */
  script?: string;
}): Promise<string> {
  const name = `cb-${options.slug}-upstream`;
  await execa('docker', [
    'run',
    '-d',
    '--name',
    name,
    '--network',
    `cb-${options.slug}-egress`,
    '--network-alias',
    options.alias ?? 'api.example.test',
    '-v',
    `${options.script ?? UPSTREAM_SCRIPT}:/srv/upstream-server.mjs:ro`,
    '-v',
    `${options.certDir}/server.crt:/srv/server.crt:ro`,
    '-v',
    `${options.certDir}/server.key:/srv/server.key:ro`,
    options.image,
    'node',
    '/srv/upstream-server.mjs',
  ]);
  for (let i = 0; i < 50; i++) {
    const logs = await execa('docker', ['logs', name], { reject: false });
    if (logs.stdout.includes('listening')) return name;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the upstream container ${name} did not start listening`);
}

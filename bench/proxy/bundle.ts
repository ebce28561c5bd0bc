import { build } from 'esbuild';
import { join } from 'node:path';

/**
 * Bundles the proxy the way scripts/bundle.mjs does for the image, into `dir`. The benchmark
 * measures that artefact: running from source under tsx costs ~15 MB RSS and start-up time the
 * image never pays, and a prebuilt dist/ bundle may be stale.
 */
export async function bundleProxy(root: string, dir: string): Promise<string> {
  const outfile = join(dir, 'egress-proxy.mjs');
  await build({
    stdin: {
      contents: `import { main } from './images/egress-proxy/main.ts';\nprocess.exitCode = await main(process.argv.slice(2));\n`,
      resolveDir: root,
      sourcefile: 'egress-proxy-entry.ts',
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    outfile,
    banner: {
      js: "import { createRequire as __cbRequire } from 'node:module'; const require = __cbRequire(import.meta.url);",
    },
    legalComments: 'none',
    minify: true,
    keepNames: true,
    logLevel: 'warning',
  });
  return outfile;
}

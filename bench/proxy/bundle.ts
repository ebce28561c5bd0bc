import { build, type BuildOptions } from 'esbuild';
import { join } from 'node:path';

const COMMON: BuildOptions = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  banner: {
    js: "import { createRequire as __cbRequire } from 'node:module'; const require = __cbRequire(import.meta.url);",
  },
  legalComments: 'none',
  minify: true,
  keepNames: true,
  logLevel: 'warning',
};

/**
 * Bundles the proxy the way scripts/bundle.mjs does for the image, into `dir`. The benchmark
 * measures that artefact: running from source under tsx costs ~15 MB RSS and start-up time the
 * image never pays, and a prebuilt dist/ bundle may be stale. For a CPU profile (`profiling`)
 * the names stay unminified and a source map is written next to it, so profile-summary.ts can
 * name functions and their source lines.
 */
export async function bundleProxy(root: string, dir: string, profiling = false): Promise<string> {
  const outfile = join(dir, 'egress-proxy.mjs');
  await build({
    ...COMMON,
    ...(profiling
      ? { minify: false, minifyWhitespace: true, minifySyntax: true, sourcemap: true }
      : {}),
    stdin: {
      contents: `import { main } from './images/egress-proxy/main.ts';\nprocess.exitCode = await main(process.argv.slice(2));\n`,
      resolveDir: root,
      sourcefile: 'egress-proxy-entry.ts',
      loader: 'ts',
    },
    outfile,
  });
  return outfile;
}

/**
 * bench/proxy/http-mitm-proxy-entry.ts and the http-mitm-proxy package in one file, built the
 * same way, so neither Node proxy pays for tsx or for resolving node_modules at start. ws's
 * optional native helpers stay out (it falls back to JavaScript without them, as installed).
 */
export async function bundleHttpMitmProxy(root: string, dir: string): Promise<string> {
  const outfile = join(dir, 'http-mitm-proxy.mjs');
  await build({
    ...COMMON,
    entryPoints: [join(root, 'bench/proxy/http-mitm-proxy-entry.ts')],
    external: ['bufferutil', 'utf-8-validate'],
    outfile,
  });
  return outfile;
}

// Bundles each sidecar entrypoint into one self-contained ESM file under dist/bundles/, so
// image builds COPY a file and never need the npm registry (it is unreachable in containers).
import { build } from 'esbuild';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const SIDECARS = [
  { name: 'egress-proxy', entry: 'images/egress-proxy/main.ts' },
  { name: 'supervise', entry: 'mcp/main.ts' },
  { name: 'git-gate', entry: 'images/git-gate/main.ts' },
];

mkdirSync(join(root, 'dist/bundles'), { recursive: true });
for (const sidecar of SIDECARS) {
  if (!existsSync(join(root, sidecar.entry))) {
    // A sidecar whose code has not landed yet is skipped, loudly; its image build then fails
    // with a pointer here instead of shipping a stale bundle.
    console.error(`bundle: skipped ${sidecar.name}: ${sidecar.entry} does not exist yet`);
    continue;
  }
  const started = Date.now();
  await build({
    stdin: {
      contents: `import { main } from './${sidecar.entry}';\nprocess.exitCode = await main(process.argv.slice(2));\n`,
      resolveDir: root,
      sourcefile: `${sidecar.name}-entry.ts`,
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    outfile: join(root, `dist/bundles/${sidecar.name}.mjs`),
    // Some dependencies are CommonJS and call require(); give the ESM bundle one.
    banner: {
      js: "import { createRequire as __cbRequire } from 'node:module'; const require = __cbRequire(import.meta.url);",
    },
    // Minified: the proxy's idle RSS is mostly parsing this file (66 → 57 MB measured);
    // keepNames keeps class and error names readable in logs.
    minify: true,
    keepNames: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  console.error(`bundle: dist/bundles/${sidecar.name}.mjs (${Date.now() - started} ms)`);
}

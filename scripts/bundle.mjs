// Bundles each sidecar entrypoint into one self-contained ESM file under dist/bundles/, so
// image builds COPY a file and never need the npm registry (it is unreachable in containers),
// and the CLI into dist/cli/ for bin/claude-bottle.js (a process that starts in ~1.1× the time
// of a bare `node`, where the compiled dist/launcher/ modules and node_modules take ~2–3×).
import { build } from 'esbuild';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const SIDECARS = [
  { name: 'egress-proxy', entry: 'images/egress-proxy/main.ts' },
  { name: 'supervise', entry: 'mcp/main.ts' },
  { name: 'git-gate', entry: 'images/git-gate/main.ts' },
];
const COMMON = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  // Minified: the proxy's idle RSS is mostly parsing this file (66 → 57 MB measured);
  // keepNames keeps class and error names readable in logs.
  minify: true,
  keepNames: true,
  legalComments: 'none',
  logLevel: 'warning',
};
// Some dependencies are CommonJS and call require(); give the ESM bundle one.
const REQUIRE =
  "import { createRequire as __cbRequire } from 'node:module'; const require = __cbRequire(import.meta.url);";

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
    ...COMMON,
    stdin: {
      contents: `import { main } from './${sidecar.entry}';\nprocess.exitCode = await main(process.argv.slice(2));\n`,
      resolveDir: root,
      sourcefile: `${sidecar.name}-entry.ts`,
      loader: 'ts',
    },
    outfile: join(root, `dist/bundles/${sidecar.name}.mjs`),
    banner: { js: REQUIRE },
  });
  console.error(`bundle: dist/bundles/${sidecar.name}.mjs (${Date.now() - started} ms)`);
}

// dockerode requires its BuildKit pieces (gRPC, protobufjs: ~800 KB bundled) and docker-modem
// its SSH transport (ssh2, with native addons) at load time, though the launcher never builds
// with BuildKit sessions and only a DOCKER_HOST=ssh:// endpoint dials SSH. In the CLI bundle
// they stay in node_modules, loaded from there on first use: a stand-in function for the
// modules required at top level, a plain external for the one dockerode requires on use.
const ON_USE = [
  {
    importer: /node_modules\/docker-modem\/lib\/modem\.js$/,
    path: './ssh',
    real: 'docker-modem/lib/ssh.js',
    shim: true,
  },
  {
    importer: /node_modules\/dockerode\/lib\/docker\.js$/,
    path: './session',
    real: 'dockerode/lib/session.js',
    shim: true,
  },
  {
    importer: /node_modules\/dockerode\/lib\/docker\.js$/,
    path: './buildkit',
    real: 'dockerode/lib/buildkit.js',
    shim: false,
  },
];
const loadOnUse = {
  name: 'load-on-use',
  setup(b) {
    b.onResolve({ filter: /^\.\/(ssh|session|buildkit)$/ }, (args) => {
      const hit = ON_USE.find((u) => u.path === args.path && u.importer.test(args.importer));
      if (!hit) return undefined;
      return hit.shim
        ? { path: hit.real, namespace: 'cb-on-use' }
        : { path: hit.real, external: true };
    });
    b.onLoad({ filter: /.*/, namespace: 'cb-on-use' }, (args) => ({
      contents: `module.exports = function () { return require(${JSON.stringify(args.path)}).apply(this, arguments); };`,
      loader: 'js',
    }));
    b.onResolve({ filter: /^(docker-modem\/lib\/ssh|dockerode\/lib\/session)\.js$/ }, (args) =>
      args.namespace === 'cb-on-use' ? { path: args.path, external: true } : undefined,
    );
  },
};

// The CLI: code splitting keeps each verb's dynamic imports (dockerode, the MCP SDK, x509, the
// TUI) in chunks loaded only when that verb runs. blessed stays in node_modules: it requires
// its widgets and terminfo files by computed paths. Some CommonJS code reads __dirname.
const cliStarted = Date.now();
rmSync(join(root, 'dist/cli'), { recursive: true, force: true });
await build({
  ...COMMON,
  entryPoints: { cli: join(root, 'launcher/cli.ts') },
  outdir: join(root, 'dist/cli'),
  splitting: true,
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  external: ['blessed'],
  plugins: [loadOnUse],
  banner: {
    js: `${REQUIRE} import { fileURLToPath as __cbPath } from 'node:url'; const __filename = __cbPath(import.meta.url); const __dirname = __cbPath(new URL('.', import.meta.url));`,
  },
});
console.error(`bundle: dist/cli/cli.mjs and its chunks (${Date.now() - cliStarted} ms)`);

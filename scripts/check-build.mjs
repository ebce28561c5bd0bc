// `npm test` runs e2e tests against images built from dist/bundles/ and an integration test
// against dist/ (bin/claude-bottle.js runs dist/cli/cli.mjs): refuse to run them on a build older than the sources it was made from.
import { readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outputs = [
  'dist/bundles/egress-proxy.mjs',
  'dist/bundles/supervise.mjs',
  'dist/bundles/git-gate.mjs',
  'dist/launcher/cli.js',
  'dist/cli/cli.mjs',
];
const sources = ['lib', 'launcher', 'mcp', 'supervisor', 'images'].flatMap((dir) =>
  walk(join(root, dir)),
);

let oldest = Infinity;
for (const output of outputs) {
  try {
    oldest = Math.min(oldest, statSync(join(root, output)).mtimeMs);
  } catch {
    fail(`${output} is missing`);
  }
}
const newer = sources.filter((file) => statSync(file).mtimeMs > oldest);
if (newer.length > 0)
  fail(
    `the build is older than ${relative(root, newer[0])}${newer.length > 1 ? ` and ${newer.length - 1} more` : ''}`,
  );

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return walk(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

function fail(why) {
  console.error(
    `npm test: ${why}; run \`npm run build\` first (tests must not run on a stale build)`,
  );
  process.exit(1);
}

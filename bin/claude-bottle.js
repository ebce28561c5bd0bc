#!/usr/bin/env node
// The package's one binary: everything lives in the CLI. It runs the esbuild bundle
// (dist/cli/cli.mjs, `npm run build`) unless that is missing or older than the tsc output
// (a `tsc`-only rebuild), then the compiled modules in dist/launcher/ themselves.
import { statSync } from 'node:fs';

const mtime = (path) =>
  statSync(new URL(path, import.meta.url), { throwIfNoEntry: false })?.mtimeMs;
const bundle = mtime('../dist/cli/cli.mjs');
const compiled = mtime('../dist/launcher/cli.js');
const { runCli } = await import(
  bundle !== undefined && (compiled === undefined || bundle >= compiled)
    ? '../dist/cli/cli.mjs'
    : '../dist/launcher/cli.js'
);

process.exitCode = await runCli(process.argv.slice(2));

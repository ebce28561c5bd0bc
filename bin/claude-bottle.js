#!/usr/bin/env node
// The package's one binary: everything lives in the compiled CLI.
import { runCli } from '../dist/launcher/cli.js';

process.exitCode = await runCli(process.argv.slice(2));

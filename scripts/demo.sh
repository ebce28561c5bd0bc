#!/usr/bin/env bash
# The README's main command: the demo. Sets up the engine, dependencies and build when needed
# (scripts/ensure-ready.sh, the same set-up as the tests), packs the Claude Code CLI once (cached),
# then runs demo/run.ts: a real bottle, the real Claude Code CLI driven by a scripted model, five
# steps, a summary, and everything it started removed. `--help` for options.
set -euo pipefail
cd "$(dirname "$0")/.."
for arg in "$@"; do
  if [ "$arg" = "--help" ] || [ "$arg" = "-h" ]; then exec node --import tsx demo/run.ts --help; fi
done
source scripts/ensure-ready.sh
exec node --import tsx demo/run.ts "$@"

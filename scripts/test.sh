#!/usr/bin/env bash
# The README's test command: engine + dependencies + build, then type-check, lint and the
# whole test suite (unit, integration on loopback, e2e on the real Docker engine).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ensure-ready.sh
timed() { local name=$1; shift; local t=$(date +%s); echo "==> $name"; "$@"; echo "    done in $(( $(date +%s) - t ))s: $name"; }
timed "type-check (tsc --noEmit)" npm run typecheck --silent
timed "lint (eslint, prettier, import cycles)" npm run lint --silent
# The scripted-model tests run the real Claude Code and Codex CLIs; packed from the npm registry
# once, cached.
timed "the Claude Code CLI for the scripted-model tests (npm pack, cached)" \
  bash -c 'bash tests/fixtures/scripted-model/fetch-cli.sh "$1" >/dev/null' _ "${CLAUDE_CODE_VERSION:-2.1.332}"
timed "the Codex CLI for the scripted-model tests (npm pack, cached)" \
  bash -c 'bash tests/fixtures/scripted-model/fetch-cli.sh codex "$1" >/dev/null' _ "${CODEX_VERSION:-0.171.0}"
timed "tests (unit, integration, e2e)" npm test --silent

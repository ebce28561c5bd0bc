#!/bin/bash
# Starts the provider CLI as the bottle wants it: unattended (the bottle is the sandbox), wired to
# supervise, and continuing the bottle's own session when transcript/ already holds one, so a
# `resume` or a capability rebuild picks the conversation up where it stopped.
#
#   start-agent.sh claude|codex [--model M] [--allowed-tools T] [--prompt P --resume-prompt R]
#
# With --prompt the CLI runs that task headless and exits when done; on a restart it gets R
# instead (the task is already in the session). Without one it is the interactive CLI.
set -euo pipefail
provider=$1
shift
model='' allowed='' prompt='' resume_prompt=''
while [ $# -gt 0 ]; do
  case "$1" in
    --model) model=$2; shift 2 ;;
    --allowed-tools) allowed=$2; shift 2 ;;
    --prompt) prompt=$2; shift 2 ;;
    --resume-prompt) resume_prompt=$2; shift 2 ;;
    *) echo "start-agent: unknown option '$1'" >&2; exit 64 ;;
  esac
done

# The agent file's prompt, mounted by the launcher (a test points elsewhere).
prompt_file=${CLAUDE_BOTTLE_PROMPT_FILE:-/etc/claude-bottle/prompt.md}

has_session() {
  compgen -G "$1" >/dev/null
}

case "$provider" in
  claude)
    args=(--mcp-config /etc/claude-bottle/mcp.json --permission-mode bypassPermissions
      --append-system-prompt "$(cat "$prompt_file")")
    [ -n "$allowed" ] && args+=(--allowedTools "$allowed")
    [ -n "$model" ] && args+=(--model "$model")
    # Sessions are kept per working directory: /workspace's is projects/-workspace/.
    if has_session "$HOME/.claude/projects/*/*.jsonl"; then
      args+=(--continue)
      [ -n "$prompt" ] && prompt=$resume_prompt
    fi
    [ -n "$prompt" ] && args+=(-p "$prompt" --output-format stream-json --verbose)
    exec claude "${args[@]}"
    ;;
  codex)
    flags=(--dangerously-bypass-approvals-and-sandbox)
    [ -n "$model" ] && flags+=(--model "$model")
    resume=()
    if has_session "${CODEX_HOME:-$HOME/.codex}/sessions/*/*/*/rollout-*.jsonl"; then
      resume=(resume --last)
      [ -n "$prompt" ] && prompt=$resume_prompt
    fi
    if [ -n "$prompt" ]; then
      # exec appends whatever stdin holds to the prompt: it gets none.
      exec codex exec "${resume[@]}" --json --skip-git-repo-check "${flags[@]}" "$prompt" </dev/null
    fi
    exec codex "${resume[@]}" "${flags[@]}"
    ;;
  *) echo "start-agent: unknown provider '$provider' (claude or codex)" >&2; exit 64 ;;
esac

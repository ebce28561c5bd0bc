#!/usr/bin/env bash
# Runs the demo as a person would, at a terminal (tmux), deciding each proposal in the
# supervisor TUI with the keys the demo names; captures the TUI's screen with its colours
# (tmux capture-pane -e → aha → headless Chromium) into docs/images/demo-tui.png. Needs tmux, aha and chromium (Debian packages).
# Usage: bash demo/screenshot.sh [--no-write]   (--no-write: check the interactive run only)
set -euo pipefail
cd "$(dirname "$0")/.."
write=1
[ "${1:-}" = "--no-write" ] && write=0
for tool in tmux aha chromium; do
  command -v "$tool" >/dev/null || { echo "error: $tool is missing (apt-get install tmux aha chromium)" >&2; exit 69; }
done
session="cbdemo-$$"
work=$(mktemp -d)
trap 'tmux kill-session -t "$session" 2>/dev/null || true; rm -rf "$work"' EXIT
tmux new-session -d -s "$session" -x 150 -y 42 \
  "env -u CI LANG=C.UTF-8 LC_ALL=C.UTF-8 bash scripts/demo.sh; echo \"DEMO-EXIT=\$?\"; sleep 3600"
tmux set-option -t "$session" history-limit 20000 >/dev/null

alt() { tmux display-message -p -t "$session" '#{alternate_on}'; }
pane() { tmux capture-pane -p -t "$session" "$@"; }
# The tour's decisions in order: keys, then a reason where the TUI asks for one.
decisions=("a" "r|no token leaves this bottle" "a|a made-up token in the demo" "a")
deadline=$(( $(date +%s) + 1500 ))
shot=0
for decision in "${decisions[@]}"; do
  until [ "$(alt)" = 1 ] && pane | grep -q 'proposals'; do
    pane -S - | grep -q 'DEMO-EXIT=' && { echo "the demo ended before every decision" >&2; break 2; }
    [ "$(date +%s)" -gt "$deadline" ] && { echo "timed out waiting for the TUI" >&2; exit 1; }
    sleep 1
  done
  sleep 2 # let the TUI paint the proposal and its diff
  if [ "$shot" = 0 ] && [ "$write" = 1 ]; then
    tmux capture-pane -e -p -t "$session" > "$work/tui.ansi"
    node --import tsx demo/acs-to-unicode.ts "$work/tui.ansi" | aha --black --title "claude-bottle supervise" > "$work/tui.html"
    sed -i 's#<pre>#<pre style="font: 14px/1.25 DejaVu Sans Mono, monospace; margin: 8px">#' "$work/tui.html"
    chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
      --hide-scrollbars --window-size=1300,800 --screenshot="$work/tui.png" "file://$work/tui.html" >/dev/null 2>&1
    cp "$work/tui.png" docs/images/demo-tui.png
    shot=1
    echo "captured docs/images/demo-tui.png"
  fi
  key=${decision%%|*}
  tmux send-keys -t "$session" "$key"
  if [ "$decision" != "$key" ]; then
    sleep 1
    tmux send-keys -t "$session" -l "${decision#*|}"
    tmux send-keys -t "$session" Enter
  fi
  echo "pressed $key${decision#"$key"}"
  until [ "$(alt)" = 0 ]; do
    [ "$(date +%s)" -gt "$deadline" ] && { echo "timed out waiting for the TUI to close" >&2; exit 1; }
    sleep 1
  done
done
until pane -S - | grep -q 'DEMO-EXIT='; do
  [ "$(date +%s)" -gt "$deadline" ] && { echo "timed out waiting for the demo to end" >&2; exit 1; }
  sleep 2
done
pane -S - -E - | sed -e 's/[[:space:]]*$//' | grep -v '^DEMO-EXIT=' | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' > "$work/run.txt"
status=$(pane -S - | grep -o 'DEMO-EXIT=[0-9]*' | cut -d= -f2)
tail -12 "$work/run.txt"
echo "the interactive demo exited $status"
exit "$status"

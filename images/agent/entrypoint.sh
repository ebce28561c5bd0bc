#!/bin/bash
# Runs as root with only the capabilities it needs for set-up (NET_ADMIN, CHOWN, SETUID,
# SETGID, SETPCAP), then execs the agent command as the agent user with none at all.
set -euo pipefail
uid=${AGENT_UID:-1000}
gid=${AGENT_GID:-1000}

/opt/claude-bottle/netguard.sh

# The bottle CA: in the system store (curl, git, Python via REQUESTS_CA_BUNDLE) and in
# NODE_EXTRA_CA_CERTS (set by the launcher, pointing at the mounted cert).
# Appended rather than via update-ca-certificates, which rebuilds the whole store (~0.7 s).
if [ -f /etc/claude-bottle/ca.crt ] && ! grep -q claude-bottle-ca /etc/ssl/certs/ca-certificates.crt; then
  { echo "# claude-bottle-ca"; cat /etc/claude-bottle/ca.crt; } >> /etc/ssl/certs/ca-certificates.crt
fi

chown "$uid:$gid" /workspace /home/agent
[ -d /home/agent/.claude ] && chown "$uid:$gid" /home/agent/.claude
[ -d /home/agent/.codex ] && chown "$uid:$gid" /home/agent/.codex

drop() {
  setpriv --reuid "$uid" --regid "$gid" --clear-groups --inh-caps=-all --bounding-set=-all -- "$@"
}

# Root here holds no DAC_OVERRIDE, so files in the agent's home are written as the agent.
if [ -f /etc/claude-bottle/gitconfig ]; then
  drop cp /etc/claude-bottle/gitconfig /home/agent/.gitconfig
fi

# First start: the workspace is an empty volume. Seed it from the committed history of
# --repo PATH (a git bundle: untracked and ignored files never enter), or clone a remote
# through git-gate. Later starts keep what is there.
if [ -z "$(ls -A /workspace)" ]; then
  if [ -f /run/claude-bottle/seed.bundle ]; then
    drop env HOME=/home/agent git clone --quiet /run/claude-bottle/seed.bundle /workspace
  elif [ -n "${CLAUDE_BOTTLE_CLONE_URL:-}" ]; then
    # The gate may still be starting: retry briefly, then fail loudly (never an empty workspace).
    for attempt in $(seq 1 30); do
      drop env HOME=/home/agent git clone --quiet "$CLAUDE_BOTTLE_CLONE_URL" /workspace && break
      [ "$attempt" = 30 ] && { echo "entrypoint: cannot clone $CLAUDE_BOTTLE_CLONE_URL through git-gate" >&2; exit 1; }
      sleep 1
    done
  fi
  if [ -n "${CLAUDE_BOTTLE_BRANCH:-}" ] && [ -d /workspace/.git ]; then
    drop env HOME=/home/agent git -C /workspace checkout --quiet -B "$CLAUDE_BOTTLE_BRANCH"
  fi
fi

# The proxy may still be starting: the agent's first request must not race it (up to ~10 s).
# Compose starts the containers together, so the proxy's name can resolve before its container
# is on the network: the first SYN then waits in an unanswered ARP entry that the kernel
# re-probes only after 1 s. So each attempt is bounded and a stuck entry is flushed.
if [ -n "${HTTP_PROXY:-}" ]; then
  proxy=${HTTP_PROXY#http://}; proxy=${proxy%/}
  deadline=$((SECONDS + 10))
  until timeout 0.2 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "${proxy%:*}" "${proxy##*:}" 2>/dev/null; do
    [ $? = 124 ] && { ip neigh flush nud incomplete nud failed 2>/dev/null || true; }
    [ "$SECONDS" -lt "$deadline" ] || { echo "entrypoint: $proxy not accepting connections yet" >&2; break; }
    sleep 0.05
  done
fi

# The launcher waits for this before it reports the bottle started.
touch /run/claude-bottle-agent-ready
export HOME=/home/agent USER=agent
exec setpriv --reuid "$uid" --regid "$gid" --clear-groups --inh-caps=-all --bounding-set=-all -- "$@"

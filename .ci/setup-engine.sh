#!/usr/bin/env bash
# Makes a Docker engine answer on a Debian host where we are root: installs docker.io
# (bookworm), the compose v2 plugin and gitleaks (trixie builds that depend only on libc6), tmux,
# starts dockerd in the background, and makes sure the base image debian:trixie-slim exists
# (pulled when a registry answers, otherwise built with debootstrap + docker import).
# Idempotent: every step checks first and says what it does, with its duration.
set -euo pipefail

step() { STEP_NAME=$1; STEP_START=$(date +%s); echo "==> $1"; }
done_step() { echo "    done in $(( $(date +%s) - STEP_START ))s: $STEP_NAME"; }
have() { command -v "$1" >/dev/null 2>&1; }

[ "$(id -u)" = 0 ] || { echo "setup-engine: must run as root (it installs packages and starts dockerd)" >&2; exit 69; }
[ -r /etc/debian_version ] || { echo "setup-engine: only Debian hosts are set up automatically; install Docker by hand (https://docs.docker.com/engine/install/)" >&2; exit 69; }

apt_updated=0
apt_update() { [ $apt_updated = 1 ] || { apt-get update -qq; apt_updated=1; }; }

if ! have dockerd || ! have debootstrap; then
  step "installing docker.io and debootstrap from Debian"
  apt_update
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io debootstrap iptables >/dev/null
  done_step
fi

if ! have tmux; then
  step "installing tmux from Debian (the supervisor TUI's test drives it)"
  apt_update
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tmux >/dev/null
  done_step
fi

# The compose v2 plugin and gitleaks are not in bookworm; trixie's builds only need libc6.
trixie_debs=()
docker compose version >/dev/null 2>&1 || trixie_debs+=(docker-compose)
have gitleaks || trixie_debs+=(gitleaks)
if [ ${#trixie_debs[@]} -gt 0 ]; then
  step "installing ${trixie_debs[*]} from Debian trixie"
  tmp=$(mktemp -d)
  mkdir -p "$tmp/lists" "$tmp/cache/archives/partial" "$tmp/etc"
  echo "deb http://deb.debian.org/debian trixie main" >"$tmp/etc/trixie.list"
  aptopts=(-o Dir::Etc::SourceList="$tmp/etc/trixie.list" -o Dir::Etc::SourceParts=/dev/null
           -o Dir::State::Lists="$tmp/lists" -o Dir::Cache="$tmp/cache" -o APT::Get::List-Cleanup=0)
  apt-get "${aptopts[@]}" update -qq
  (cd "$tmp" && apt-get "${aptopts[@]}" download "${trixie_debs[@]}")
  dpkg -i "$tmp"/*.deb >/dev/null
  rm -rf "$tmp"
  done_step
fi
# docker.io's client may be shadowed by another one on PATH; make sure compose is found by it.
if ! docker compose version >/dev/null 2>&1 && [ -x /usr/libexec/docker/cli-plugins/docker-compose ]; then
  mkdir -p /usr/local/lib/docker/cli-plugins
  ln -sf /usr/libexec/docker/cli-plugins/docker-compose /usr/local/lib/docker/cli-plugins/docker-compose
fi

if ! docker info >/dev/null 2>&1; then
  step "starting dockerd in the background (log: /var/log/dockerd.log)"
  nohup dockerd >/var/log/dockerd.log 2>&1 &
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { echo "setup-engine: dockerd did not answer within 60s; see /var/log/dockerd.log" >&2; tail -20 /var/log/dockerd.log >&2; exit 69; }
  done_step
fi

if ! docker image inspect debian:trixie-slim >/dev/null 2>&1; then
  step "providing debian:trixie-slim"
  if timeout 60 docker pull -q debian:trixie-slim >/dev/null 2>&1; then
    echo "    pulled from a registry"
  else
    echo "    no registry answers: building it with debootstrap (about a minute)"
    root=$(mktemp -d)
    debootstrap --variant=minbase trixie "$root" http://deb.debian.org/debian >/tmp/debootstrap.log 2>&1 \
      || { echo "setup-engine: debootstrap failed; see /tmp/debootstrap.log" >&2; tail -20 /tmp/debootstrap.log >&2; exit 69; }
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
    tar -C "$root" -c . | docker import - debian:trixie-slim >/dev/null
    rm -rf "$root"
  fi
  done_step
fi
echo "==> engine ready: $(docker version --format 'server {{.Server.Version}}'), $(docker compose version --short 2>/dev/null | sed 's/^/compose /'), gitleaks $(gitleaks version 2>/dev/null)"

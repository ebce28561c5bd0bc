#!/bin/bash
# Installs the provider CLI from the package tarball the launcher `npm pack`ed on the host
# (the npm registry is unreachable inside image builds). `none` installs nothing.
set -euo pipefail
provider=$1
dir=/opt/claude-bottle/provider
case "$provider" in
  none) exit 0 ;;
  claude|codex) ;;
  *) echo "install-provider: unknown provider '$provider' (claude, codex or none)" >&2; exit 2 ;;
esac
tarball=$(find "$dir" -maxdepth 1 -name '*.tgz' | head -n 1)
[ -n "$tarball" ] || { echo "install-provider: no package tarball for $provider in $dir" >&2; exit 2; }
mkdir -p "/opt/$provider"
tar -xzf "$tarball" -C "/opt/$provider"
bin=$(find "/opt/$provider/package" -type f -name "$provider" | head -n 1)
[ -n "$bin" ] || { echo "install-provider: no '$provider' executable in $(basename "$tarball")" >&2; exit 2; }
chmod 0755 "$bin"
ln -sf "$bin" "/usr/local/bin/$provider"
rm -f "$tarball"

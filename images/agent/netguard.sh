#!/bin/bash
# Closes what an `internal` Docker network leaves open: the host answers on the bridge's own
# address (and, on engines before 25, on every host address via the default route). Runs as
# root with CAP_NET_ADMIN once at container start, before the agent process drops every
# capability; the agent cannot undo it.
set -euo pipefail

ip_to_int() { local IFS=.; read -r a b c d <<<"$1"; echo $(( (a << 24) | (b << 16) | (c << 8) | d )); }
int_to_ip() { echo "$(( ($1 >> 24) & 255 )).$(( ($1 >> 16) & 255 )).$(( ($1 >> 8) & 255 )).$(( $1 & 255 ))"; }

while read -r cidr; do
  addr=${cidr%/*}; len=${cidr#*/}
  mask=$(( len == 0 ? 0 : (0xffffffff << (32 - len)) & 0xffffffff ))
  gateway=$(int_to_ip $(( ($(ip_to_int "$addr") & mask) + 1 )))
  ip route replace prohibit "$gateway/32"
done < <(ip -4 -o addr show scope global | awk '{print $4}')
# Whatever the engine set as gateway, too (it may differ from the subnet's first address).
gw=$(ip -4 route show default | awk '/via/ {print $3; exit}')
[ -n "$gw" ] && ip route replace prohibit "$gw/32"
ip route del default 2>/dev/null || true
ip -6 route del default 2>/dev/null || true

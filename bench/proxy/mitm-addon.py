"""mitmdump addon for `npm run bench:proxy`: the bench route's rule, enforced by mitmproxy.

The harness runs `mitmdump -s mitm-addon.py` with the rule in the environment, the same rule it
writes to routes.yaml for this project's proxy:

  BENCH_ROUTE_HOST     host:port the route allows (CONNECT and Host must name it)
  BENCH_ROUTE_PATHS    comma-separated path prefixes ("/1k" covers /1k and /1k/..., not /1kb)
  BENCH_ROUTE_METHODS  comma-separated methods
  BENCH_AUTH_HEADER    header to inject (the agent's own value is dropped)
  BENCH_AUTH_SCHEME    scheme word before the secret ("Bearer")
  EGRESS_SECRET_BENCH  the secret; also refused if it shows up in a request body
  BENCH_RESOLVE        host=ip: the bench host resolves only inside the harness (ours: --resolve)

Everything else gets a 403 with a one-line explanation. This is a rule, not a port of the
project's proxy: no path normalisation, no secret-shape detectors, no response scanning.
mitmproxy buffers every body whole by default; a text/event-stream response is streamed
instead (`flow.response.stream = True`, mitmproxy's documented way), or no event would arrive
before the stream ends.
"""

import asyncio
import json
import os
import sys

from mitmproxy import ctx, http

ROUTE_HOST = os.environ["BENCH_ROUTE_HOST"].lower()
PATHS = [p for p in os.environ["BENCH_ROUTE_PATHS"].split(",") if p]
METHODS = {m.upper() for m in os.environ["BENCH_ROUTE_METHODS"].split(",") if m}
AUTH_HEADER = os.environ["BENCH_AUTH_HEADER"]
SECRET = os.environ["EGRESS_SECRET_BENCH"]
AUTH_VALUE = f"{os.environ['BENCH_AUTH_SCHEME']} {SECRET}"
SECRET_BYTES = SECRET.encode()
RESOLVE_NAME, _, RESOLVE_IP = os.environ.get("BENCH_RESOLVE", "").partition("=")


def _has_prefix(path: str, prefix: str) -> bool:
    if prefix.endswith("/"):
        return path.startswith(prefix)
    return path == prefix or path.startswith(prefix + "/")


def _deny(flow: http.HTTPFlow, why: str) -> None:
    flow.response = http.Response.make(
        403, f"403 refused by the bench rule: {why}\n", {"content-type": "text/plain"}
    )


class BenchRule:
    def running(self) -> None:
        # The harness runs mitmdump with termlog_verbosity=warn (no per-connection log lines), so
        # the addon reports readiness itself, as one JSON line on stderr once the port is bound.
        asyncio.get_running_loop().create_task(self._report_listening())

    async def _report_listening(self) -> None:
        server = ctx.master.addons.get("proxyserver")
        while not server.running_servers:
            await asyncio.sleep(0.001)
        port = server.running_servers[0].sockets[0].getsockname()[1]
        sys.stderr.write(json.dumps({"event": "listening", "port": port}, separators=(",", ":")) + "\n")
        sys.stderr.flush()

    def http_connect(self, flow: http.HTTPFlow) -> None:
        target = f"{flow.request.host}:{flow.request.port}".lower()
        if target != ROUTE_HOST:
            _deny(flow, f"no rule names the host {target}")

    def server_connect(self, data) -> None:
        # Connect to the harness-only address, keep the name for SNI and certificate checks.
        host, port = data.server.address
        if RESOLVE_IP and host.lower() == RESOLVE_NAME:
            data.server.sni = data.server.sni or host
            data.server.address = (RESOLVE_IP, port)

    def requestheaders(self, flow: http.HTTPFlow) -> None:
        req = flow.request
        authority = (req.host_header or "").lower()
        if authority != ROUTE_HOST:
            return _deny(flow, f"no rule names the host {authority}")
        path = req.path.split("?", 1)[0]
        if not any(_has_prefix(path, p) for p in PATHS):
            return _deny(flow, f"{req.method} {path}: allows only paths starting with {', '.join(PATHS)}")
        if req.method.upper() not in METHODS:
            return _deny(flow, f"{req.method} {path}: allows only methods {', '.join(sorted(METHODS))}")
        req.headers[AUTH_HEADER] = AUTH_VALUE

    def request(self, flow: http.HTTPFlow) -> None:
        # The body is buffered by now (mitmproxy's default); a literal-secret check, nothing more.
        if flow.response is None and flow.request.raw_content and SECRET_BYTES in flow.request.raw_content:
            _deny(flow, "the request body carries the bottle's own secret")

    def responseheaders(self, flow: http.HTTPFlow) -> None:
        if flow.response.headers.get("content-type", "").startswith("text/event-stream"):
            flow.response.stream = True


addons = [BenchRule()]

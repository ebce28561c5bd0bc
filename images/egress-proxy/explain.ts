import { AGENT_CONFIG_DIR, LIVE_CONFIG_FILES } from '../../lib/live-config.js';

/** Where the agent reads the routes in force. */
export const AGENT_ROUTES_FILE = `${AGENT_CONFIG_DIR}/${LIVE_CONFIG_FILES.routes}`;

/** The 403 body for a request no rule allows: which rule decided, and what to do next. */
export function routeRefusalBody(request: string, reason: string): string {
  return [
    `claude-bottle egress proxy: blocked ${request}`,
    `why: ${reason}`,
    `The routes in force are in ${AGENT_ROUTES_FILE} (read it).`,
    'To ask for access, call the MCP tool `egress-proxy-block` with the full proposed routes.yaml',
    'and a justification; a human approves or rejects it, and an approved change applies live.',
    '',
  ].join('\n');
}

/** The 403 body for a name below a wildcard route whose labels look like encoded data. */
export function encodedHostRefusalBody(request: string, route: string, reason: string): string {
  return [
    `claude-bottle egress proxy: blocked ${request}`,
    `why: ${route} allows names below it, but this name looks like encoded data: ${reason}.`,
    'A name can carry data out by itself (and in the DNS lookup for it), so a wildcard route',
    'refuses such names before any lookup; an exact route is never judged this way.',
    `The routes in force are in ${AGENT_ROUTES_FILE} (read it).`,
    'If this is a real service name, call the MCP tool `egress-proxy-block` with the full proposed',
    'routes.yaml adding an exact route for this host (or a wildcard whose suffix holds its',
    'generated id) and a justification; a human approves or rejects it, and an approved change',
    'applies live.',
    '',
  ].join('\n');
}

/** The 403 body for a git smart-HTTP push, on any host. */
export function gitPushRefusalBody(request: string): string {
  return [
    `claude-bottle egress proxy: blocked ${request}`,
    'why: git push over HTTP(S) is refused on every host.',
    'Push through git-gate instead: it is the git remote configured in this bottle',
    '(see `git remote -v`); it scans the pushed commits with gitleaks and forwards clean pushes.',
    'If the gate reports a finding, call the MCP tool `gitleaks-allow` with its finding ids.',
    '',
  ].join('\n');
}

/** The 403 body for a request that carried something that looks like a secret. */
export function dlpRefusalBody(request: string, detector: string, detail: string): string {
  return [
    `claude-bottle egress proxy: blocked ${request}`,
    `why: it carries a value the data-loss check flags (${detector}); ${detail}`,
    'The value itself is never logged or shown. Remove it from the request; if it must be sent,',
    'a human can approve it once per host when the proxy runs with a proposal queue.',
    '',
  ].join('\n');
}

/** A short plain-text body for the other refusals (400/408/431/502/504). */
export function plainBody(status: number, request: string, reason: string): string {
  return `claude-bottle egress proxy: ${status} for ${request}\nwhy: ${reason}\n`;
}

/** The 403 body for a request that would send a credential (or speak http to a TLS port) in clear. */
export function cleartextRefusalBody(request: string, reason: string): string {
  return [
    `claude-bottle egress proxy: blocked ${request}`,
    `why: ${reason}.`,
    'Send the request as https:// (set HTTPS_PROXY so the tool uses CONNECT); the proxy then',
    'injects the credential inside TLS.',
    '',
  ].join('\n');
}

/** The 502 body for a response on an authenticated route that arrived compressed. */
export function encodedResponseBody(request: string, encoding: string): string {
  return plainBody(
    502,
    request,
    `the upstream answered with content-encoding "${encoding}" although the proxy asked for identity; on a route that injects a credential the response must be checked for that credential byte for byte, which a compressed body would hide, so it was withheld`,
  );
}

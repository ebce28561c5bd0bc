/** Thrown by our own upstream timer. */
export class UpstreamTimeoutError extends Error {
  readonly code = 'UPSTREAM_TIMEOUT';
}

const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_|ERR_TLS|ERR_SSL|EPROTO|HANDSHAKE/;

/** Maps an upstream failure to a status, a reason code and a sentence for the agent. */
export function classifyUpstreamError(error: unknown): {
  status: number;
  reason: string;
  why: string;
} {
  const code = String((error as NodeJS.ErrnoException).code ?? '');
  if (error instanceof UpstreamTimeoutError || code === 'ETIMEDOUT') {
    return { status: 504, reason: 'upstream-timeout', why: 'the upstream did not answer in time' };
  }
  if (TLS_CODES.test(code)) {
    return {
      status: 502,
      reason: 'upstream-tls',
      why: `the upstream's TLS certificate could not be verified (${code}); the proxy trusts the system store and NODE_EXTRA_CA_CERTS`,
    };
  }
  return {
    status: 502,
    reason: 'upstream-down',
    why: `the upstream could not be reached (${code || 'connection failed'})`,
  };
}

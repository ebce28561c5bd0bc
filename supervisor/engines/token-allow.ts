import type { Engine } from './types.js';

/**
 * egress-token-allow: the decision itself is the change. The proxy holding the request polls
 * decided/<id>.json and, on approval, remembers the value for that host for its life.
 */
export const tokenAllow: Engine<'egress-token-allow'> = {
  tool: 'egress-token-allow',
  reportOnly: true,
  apply() {
    return Promise.resolve({
      kind: 'applied',
      message: 'the held request is let through; the proxy remembers this value for that host',
    });
  },
};

import type { Command } from '../../lib/cli-args.js';
import { BottleError } from '../../lib/errors.js';

// PLACEHOLDER: replaced by the real command; must not ship.
export const egressProxyCommand: Command = {
  name: 'egress-proxy',
  summary: 'run the TLS-intercepting egress proxy',
  help: 'usage: claude-bottle egress-proxy\n\nnot built yet\n',
  options: {},
  run() {
    return Promise.reject(new BottleError('INTERNAL', 'egress-proxy is not built yet'));
  },
};

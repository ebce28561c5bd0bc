import type { Command } from '../../lib/cli-args.js';
import { BottleError } from '../../lib/errors.js';

// PLACEHOLDER: replaced by the real command; must not ship.
export const caInitCommand: Command = {
  name: 'ca init',
  summary: 'create a per-bottle CA (ca.crt, ca.key)',
  help: 'usage: claude-bottle ca init\n\nnot built yet\n',
  options: {},
  run() {
    return Promise.reject(new BottleError('INTERNAL', 'ca init is not built yet'));
  },
};

import type { Command } from '../../lib/cli-args.js';
import { BottleError } from '../../lib/errors.js';

// PLACEHOLDER: replaced by the real command; must not ship.
export const manifestCheckCommand: Command = {
  name: 'manifest check',
  summary: 'validate bottle and agent manifests',
  help: 'usage: claude-bottle manifest check\n\nnot built yet\n',
  options: {},
  run() {
    return Promise.reject(new BottleError('INTERNAL', 'manifest check is not built yet'));
  },
};

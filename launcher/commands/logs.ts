import type { Command } from '../../lib/cli-args.js';
import { BottleError } from '../../lib/errors.js';

// PLACEHOLDER: replaced by the real command; must not ship.
export const logsCommand: Command = {
  name: 'logs',
  summary: "show a bottle's logs",
  help: 'usage: claude-bottle logs\n\nnot built yet\n',
  options: {},
  run() {
    return Promise.reject(new BottleError('INTERNAL', 'logs is not built yet'));
  },
};

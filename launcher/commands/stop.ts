import type { Command } from '../../lib/cli-args.js';
import { BottleError } from '../../lib/errors.js';

// PLACEHOLDER: replaced by the real command; must not ship.
export const stopCommand: Command = {
  name: 'stop',
  summary: 'stop a bottle (keeps its state)',
  help: 'usage: claude-bottle stop\n\nnot built yet\n',
  options: {},
  run() {
    return Promise.reject(new BottleError('INTERNAL', 'stop is not built yet'));
  },
};

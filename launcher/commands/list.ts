import type { Command } from '../../lib/cli-args.js';
import { BottleError } from '../../lib/errors.js';

// PLACEHOLDER: replaced by the real command; must not ship.
export const listCommand: Command = {
  name: 'list',
  summary: 'list bottles and their status',
  help: 'usage: claude-bottle list\n\nnot built yet\n',
  options: {},
  run() {
    return Promise.reject(new BottleError('INTERNAL', 'list is not built yet'));
  },
};

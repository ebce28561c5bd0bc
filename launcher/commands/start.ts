import type { Command } from '../../lib/cli-args.js';
import { BottleError } from '../../lib/errors.js';

// PLACEHOLDER: replaced by the real command; must not ship.
export const startCommand: Command = {
  name: 'start',
  summary: 'start an agent in a bottle',
  help: 'usage: claude-bottle start\n\nnot built yet\n',
  options: {},
  run() {
    return Promise.reject(new BottleError('INTERNAL', 'start is not built yet'));
  },
};

import type { Command } from '../../lib/cli-args.js';
import { BottleError } from '../../lib/errors.js';

// PLACEHOLDER: replaced by the real command; must not ship.
export const resumeCommand: Command = {
  name: 'resume',
  summary: 'start a stopped bottle again with its state',
  help: 'usage: claude-bottle resume\n\nnot built yet\n',
  options: {},
  run() {
    return Promise.reject(new BottleError('INTERNAL', 'resume is not built yet'));
  },
};

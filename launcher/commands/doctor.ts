import type { Command } from '../../lib/cli-args.js';
import { BottleError } from '../../lib/errors.js';

// PLACEHOLDER: replaced by the real command; must not ship.
export const doctorCommand: Command = {
  name: 'doctor',
  summary: 'check Node, the Docker engine, compose v2 and the base image',
  help: 'usage: claude-bottle doctor\n\nnot built yet\n',
  options: {},
  run() {
    return Promise.reject(new BottleError('INTERNAL', 'doctor is not built yet'));
  },
};

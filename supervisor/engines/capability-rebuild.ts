import type { Engine } from './types.js';

/** capability-block: being built (see supervisor/README.md). */
export const capabilityRebuild: Engine<'capability-block'> = {
  tool: 'capability-block',
  reportOnly: false,
  editableText: (proposal) => proposal.payload.dockerfile,
  apply() {
    return Promise.resolve({ kind: 'failed', message: 'capability rebuild is not built yet' });
  },
};

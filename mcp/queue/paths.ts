import { join } from 'node:path';
import type { QueueSource } from './schema.js';

/** Where each part of a queue lives, given `state/<slug>/queue`. The only place these names are spelled. */
export function queuePaths(queueDir: string) {
  return {
    root: queueDir,
    pending: (source: QueueSource) => join(queueDir, 'pending', source),
    pendingFile: (source: QueueSource, id: string) =>
      join(queueDir, 'pending', source, `${id}.json`),
    decided: join(queueDir, 'decided'),
    decidedFile: (id: string) => join(queueDir, 'decided', `${id}.json`),
    /** Beside a decision: its approval was revoked (`claude-bottle revoke`); the proxy checks it. */
    revokedFile: (id: string) => join(queueDir, 'decided', `${id}.revoked`),
    archive: join(queueDir, 'archive'),
    archiveFile: (id: string) => join(queueDir, 'archive', `${id}.json`),
    /** Host-only (never mounted): an operator's claim on a proposal while its engine runs. */
    claims: join(queueDir, 'claims'),
    claimFile: (id: string) => join(queueDir, 'claims', `${id}.json`),
  };
}

export type QueuePaths = ReturnType<typeof queuePaths>;

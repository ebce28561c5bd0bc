import { randomBytes } from 'node:crypto';
import type { QueueSource } from './schema.js';

/** A fresh proposal id; producers generate ids, never take them from input. */
export function newProposalId(source: QueueSource, now: Date = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
  return `${source}-${stamp}-${randomBytes(4).toString('hex')}`;
}

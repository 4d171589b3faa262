import { createHash } from 'node:crypto';

/** Stable tie-break key: the same (seed, sampleId) always ranks the same, across runs and machines. */
export function tieBreakKey(seed: string, sampleId: string): string {
  return createHash('sha256').update(seed).update('\u0000').update(sampleId).digest('hex');
}

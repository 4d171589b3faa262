import { createHash } from 'node:crypto';

/**
 * The per-sample seed, derived from the sample's identity so a retry regenerates the same sample
 * (as far as the server's batching allows) and two samples never share a seed by accident.
 */
export function sampleSeed(campaignId: string, questionId: string, stage: string, sampleIndex: number): number {
  const digest = createHash('sha256').update(`${campaignId}\0${questionId}\0${stage}\0${sampleIndex}`).digest();
  return digest.readUInt32BE(0) & 0x7fffffff;
}

import type { DatasetManifest } from '../manifest.ts';
import { reviewFlags, type FlagOptions, type ReviewFlag } from './review-flags.ts';
import { versionRows, type VersionRow } from './version-rows.ts';

export const DEFAULT_BORDERLINE_FRACTION = 0.75;

/**
 * The rows of a stored dataset version that deserve a human look, in row order: borderline
 * repetition scores, tool errors the model recovered from, and the longest rows (at or above the
 * version's p99 of tokens per row, from its manifest, unless `longTokens` says otherwise).
 */
export async function flaggedRows(
  store: Parameters<typeof versionRows>[0],
  manifest: DatasetManifest,
  opts: Partial<FlagOptions> = {},
): Promise<Array<{ row: VersionRow; flags: ReviewFlag[] }>> {
  const options: FlagOptions = {
    borderlineFraction: opts.borderlineFraction ?? DEFAULT_BORDERLINE_FRACTION,
    longTokens: opts.longTokens ?? manifest.tokens.perSample.p99,
  };
  const flagged: Array<{ row: VersionRow; flags: ReviewFlag[] }> = [];
  for await (const row of versionRows(store, manifest)) {
    const flags = reviewFlags(row, options);
    if (flags.length) flagged.push({ row, flags });
  }
  return flagged;
}

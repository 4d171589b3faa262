import { Question, Trajectory } from '@rft/contracts';
import { sampleLocations, type Db } from '@rft/db';
import { UnrecoverableError } from '@rft/queue';
import { decodeJsonlZst, prefetchOrdered, type ObjectStore } from '@rft/storage';
import type { DatasetRowInput } from './dataset/index.ts';
import type { Candidate } from './selection/index.ts';

/** Sample rows read from Postgres per query. */
const LOAD_BATCH = 500;
/**
 * Trajectory objects fetched at once. Each holds the samples of one question attempt (≈ 16 x a
 * trajectory), so memory stays at a few objects while the store's latency is overlapped.
 */
export const OBJECT_PREFETCH = 16;

interface Located {
  candidate: Candidate;
  key: string;
  line: number;
  payload: unknown;
}

/**
 * Streams the selected rows in selection order. Sample rows are read in batches; within a batch,
 * consecutive rows stored in the same object share one GET, and up to `prefetch` objects are
 * fetched ahead of the row being built, so memory does not grow with the campaign.
 */
export async function* loadSelectedRows(
  deps: { db: Db; store: ObjectStore },
  campaignId: string,
  selected: readonly Candidate[],
  prefetch = OBJECT_PREFETCH,
): AsyncGenerator<DatasetRowInput> {
  for (let at = 0; at < selected.length; at += LOAD_BATCH) {
    const batch = selected.slice(at, at + LOAD_BATCH);
    const sampleRows = await sampleLocations(
      deps.db,
      campaignId,
      batch.map((c) => c.sampleId),
    );
    const byId = new Map(sampleRows.map((r) => [r.id, r]));
    const groups: Located[][] = [];
    for (const candidate of batch) {
      const row = byId.get(candidate.sampleId);
      if (!row) throw new UnrecoverableError(`sample ${candidate.sampleId} vanished`);
      const located = { candidate, key: row.trajectory_key, line: row.trajectory_line, payload: row.payload };
      const last = groups.at(-1);
      if (last && last[0]!.key === located.key) last.push(located);
      else groups.push([located]);
    }
    const objects = prefetchOrdered(groups, (group) => readObject(deps.store, group[0]!.key), prefetch);
    let index = 0;
    for await (const lines of objects) {
      for (const row of groups[index++]!) {
        yield {
          sampleId: row.candidate.sampleId,
          question: Question.parse(row.payload),
          trajectory: Trajectory.parse(lines[row.line]),
          verdict: row.candidate.verdict,
        };
      }
    }
  }
}

async function readObject(store: ObjectStore, key: string): Promise<unknown[]> {
  const bytes = await store.get(key);
  if (!bytes) throw new UnrecoverableError(`trajectory object ${key} is missing`);
  return decodeJsonlZst(bytes);
}

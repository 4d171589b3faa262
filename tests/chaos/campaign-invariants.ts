import type { Db } from '@rft/db';
import type { ObjectStore } from '@rft/storage';
import { sql } from 'kysely';

/** What a finished campaign must satisfy, measured rather than asserted so a report can print it. */
export interface CampaignAudit {
  status: string;
  expected: number;
  samples: number;
  distinctKeys: number;
  /**
   * Expected (question, stage, index) triples with no sample row, plus rows whose object is gone,
   * plus error samples (a trajectory that ended with an error is not a sample anyone can use).
   */
  lost: number;
  /** Sample rows with end_reason 'error'. */
  errorSamples: number;
  /** Extra sample rows, extra verdicts per (sample, grader version), extra dataset rows per question. */
  duplicated: number;
  missingObjects: number;
  /** Trajectory objects present and their total size. */
  objects: number;
  objectBytes: number;
  grades: number;
  datasetItems: number;
  failedItems: number;
}

export async function auditCampaign(db: Db, store: ObjectStore, campaignId: string, expected: number): Promise<CampaignAudit> {
  const { rows } = await sql<{
    status: string;
    samples: number;
    distinct_keys: number;
    grades: number;
    distinct_grades: number;
    dataset_items: number;
    dataset_questions: number;
    failed_items: number;
    error_samples: number;
  }>`
    SELECT
      (SELECT status FROM campaigns WHERE id = ${campaignId}) AS status,
      (SELECT count(*)::int FROM samples WHERE campaign_id = ${campaignId}) AS samples,
      (SELECT count(DISTINCT (question_id, stage, sample_index))::int FROM samples WHERE campaign_id = ${campaignId}) AS distinct_keys,
      (SELECT count(*)::int FROM grades g JOIN samples s ON s.id = g.sample_id WHERE s.campaign_id = ${campaignId}) AS grades,
      (SELECT count(DISTINCT (g.sample_id, g.grader_version))::int FROM grades g JOIN samples s ON s.id = g.sample_id
        WHERE s.campaign_id = ${campaignId}) AS distinct_grades,
      (SELECT count(*)::int FROM dataset_items di JOIN datasets d ON d.id = di.dataset_id WHERE d.campaign_id = ${campaignId}) AS dataset_items,
      (SELECT count(DISTINCT (di.dataset_id, di.question_id))::int FROM dataset_items di JOIN datasets d ON d.id = di.dataset_id
        WHERE d.campaign_id = ${campaignId}) AS dataset_questions,
      (SELECT count(*)::int FROM question_stages WHERE campaign_id = ${campaignId} AND status = 'failed') AS failed_items,
      (SELECT count(*)::int FROM samples WHERE campaign_id = ${campaignId} AND end_reason = 'error') AS error_samples`.execute(db);
  const r = rows[0]!;
  const keys = await sql<{ trajectory_key: string }>`SELECT DISTINCT trajectory_key FROM samples WHERE campaign_id = ${campaignId}`.execute(
    db,
  );
  // Every object once (HEAD, 16 at a time): which are missing, and the bytes of those present.
  const heads = await mapLimit(keys.rows, 16, async ({ trajectory_key }) => ({
    key: trajectory_key,
    head: await store.head(trajectory_key),
  }));
  const missing = heads.filter((h) => h.head === null).map((h) => h.key);
  const objectBytes = heads.reduce((sum, h) => sum + (h.head?.size ?? 0), 0);
  const missingRows = missing.length
    ? (
        await sql<{ n: number }>`SELECT count(*)::int AS n FROM samples WHERE campaign_id = ${campaignId}
          AND trajectory_key = ANY(${missing})`.execute(db)
      ).rows[0]!.n
    : 0;
  return {
    status: r.status,
    expected,
    samples: r.samples,
    distinctKeys: r.distinct_keys,
    lost: expected - r.distinct_keys + missingRows + r.error_samples,
    errorSamples: r.error_samples,
    duplicated: r.samples - r.distinct_keys + (r.grades - r.distinct_grades) + (r.dataset_items - r.dataset_questions),
    missingObjects: missing.length,
    objects: heads.length - missing.length,
    objectBytes,
    grades: r.grades,
    datasetItems: r.dataset_items,
    failedItems: r.failed_items,
  };
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return out;
}

/** Prints rows as an aligned text table. */
export function formatTable(rows: Array<Record<string, string | number>>): string {
  if (rows.length === 0) return '(no rows)';
  const cols = Object.keys(rows[0]!);
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(width[i]!)).join('  ');
  return [line(cols), line(width.map((w) => '-'.repeat(w))), ...rows.map((r) => line(cols.map((c) => String(r[c] ?? ''))))].join('\n');
}

import { sql } from 'kysely';
import type { DbOrTx } from '../create-db.ts';

export interface StageProgress {
  stage: string;
  items: number;
  byStatus: Record<string, number>;
  samples: number;
  graded: number;
  correct: number;
  eligible: number;
  toolCalls: number;
  hints: number;
  completionTokens: number;
}

/** The sample-side counters of a stage's progress. */
export type StageSampleCounts = Omit<StageProgress, 'stage' | 'items' | 'byStatus'>;

/**
 * Per-stage progress accumulated from live work-item counts plus sample counts added by the
 * caller (from the roll-ups in production, from a full scan in tests), sorted by stage.
 */
export async function accumulateStageProgress(
  db: DbOrTx,
  campaignId: string,
  sampleCounts: Iterable<{ stage: string } & StageSampleCounts>,
): Promise<StageProgress[]> {
  const items = await sql<{ stage: string; status: string; n: string }>`
    SELECT stage, status, count(*) AS n FROM question_stages WHERE campaign_id = ${campaignId} GROUP BY stage, status`.execute(db);
  const byStage = new Map<string, StageProgress>();
  const stage = (name: string) => {
    let p = byStage.get(name);
    if (!p) {
      p = {
        stage: name,
        items: 0,
        byStatus: {},
        samples: 0,
        graded: 0,
        correct: 0,
        eligible: 0,
        toolCalls: 0,
        hints: 0,
        completionTokens: 0,
      };
      byStage.set(name, p);
    }
    return p;
  };
  for (const r of items.rows) {
    const p = stage(r.stage);
    p.items += Number(r.n);
    p.byStatus[r.status] = Number(r.n);
  }
  for (const c of sampleCounts) {
    const p = stage(c.stage);
    p.samples += c.samples;
    p.graded += c.graded;
    p.correct += c.correct;
    p.eligible += c.eligible;
    p.toolCalls += c.toolCalls;
    p.hints += c.hints;
    p.completionTokens += c.completionTokens;
  }
  return [...byStage.values()].sort((a, b) => a.stage.localeCompare(b.stage));
}

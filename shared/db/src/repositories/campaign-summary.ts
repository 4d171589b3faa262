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

/** Per-stage progress and totals of a campaign, read from the ledger. */
export async function campaignProgress(db: DbOrTx, campaignId: string): Promise<StageProgress[]> {
  const items = await sql<{ stage: string; status: string; n: string }>`
    SELECT stage, status, count(*) AS n FROM question_stages WHERE campaign_id = ${campaignId} GROUP BY stage, status`.execute(db);
  const samples = await sql<{
    stage: string;
    samples: string;
    graded: string;
    correct: string;
    eligible: string;
    tool_calls: string;
    hints: string;
    completion_tokens: string;
  }>`
    SELECT s.stage, count(*) AS samples, count(g.sample_id) AS graded,
      count(*) FILTER (WHERE g.correct) AS correct, count(*) FILTER (WHERE g.eligible) AS eligible,
      coalesce(sum(s.tool_calls), 0) AS tool_calls, coalesce(sum(s.hints), 0) AS hints,
      coalesce(sum(s.completion_tokens), 0) AS completion_tokens
    FROM samples s
    LEFT JOIN LATERAL (SELECT * FROM grades g WHERE g.sample_id = s.id ORDER BY created_at DESC LIMIT 1) g ON true
    WHERE s.campaign_id = ${campaignId} GROUP BY s.stage`.execute(db);
  const byStage = new Map<string, StageProgress>();
  const get = (stage: string) => {
    let p = byStage.get(stage);
    if (!p) {
      p = { stage, items: 0, byStatus: {}, samples: 0, graded: 0, correct: 0, eligible: 0, toolCalls: 0, hints: 0, completionTokens: 0 };
      byStage.set(stage, p);
    }
    return p;
  };
  for (const r of items.rows) {
    const p = get(r.stage);
    p.items += Number(r.n);
    p.byStatus[r.status] = Number(r.n);
  }
  for (const r of samples.rows) {
    Object.assign(get(r.stage), {
      samples: Number(r.samples),
      graded: Number(r.graded),
      correct: Number(r.correct),
      eligible: Number(r.eligible),
      toolCalls: Number(r.tool_calls),
      hints: Number(r.hints),
      completionTokens: Number(r.completion_tokens),
    });
  }
  return [...byStage.values()].sort((a, b) => a.stage.localeCompare(b.stage));
}

/** How many samples were rejected for each reason, per stage (a sample may count under several). */
export async function rejectionHistogram(db: DbOrTx, campaignId: string): Promise<Array<{ stage: string; reason: string; count: number }>> {
  const rows = await sql<{ stage: string; reason: string; n: string }>`
    SELECT s.stage, r.reason, count(*) AS n
    FROM samples s
    JOIN LATERAL (SELECT * FROM grades g WHERE g.sample_id = s.id ORDER BY created_at DESC LIMIT 1) g ON true
    CROSS JOIN LATERAL unnest(g.reasons) AS r(reason)
    WHERE s.campaign_id = ${campaignId}
    GROUP BY s.stage, r.reason ORDER BY s.stage, count(*) DESC`.execute(db);
  return rows.rows.map((r) => ({ stage: r.stage, reason: r.reason, count: Number(r.n) }));
}

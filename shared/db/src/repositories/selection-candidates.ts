import { sql } from 'kysely';
import type { DbOrTx } from '../create-db.ts';
import type { CandidateRow } from './datasets.ts';

/** A graded sample of one of several campaigns, with its question's kind (for per-kind quotas). */
export interface CampaignCandidateRow extends CandidateRow {
  campaignId: string;
  questionKind: 'math' | 'code';
}

/**
 * The graded samples (newest verdict each) of several campaigns over the same questions, a page of
 * whole question ids at a time in question-id order: a question's samples from every campaign are on
 * the same page, so a cross-campaign policy (Hint-RFT: greedy in one campaign, hints in another)
 * sees each question whole, in bounded memory. A question quarantined in a campaign contributes
 * none of that campaign's samples.
 */
export async function* crossCampaignCandidatePages(
  db: DbOrTx,
  campaignIds: readonly string[],
  questionsPerPage = 2000,
): AsyncGenerator<CampaignCandidateRow[]> {
  if (!(questionsPerPage >= 1)) throw new Error(`questionsPerPage: must be at least 1, got ${questionsPerPage}`);
  if (campaignIds.length === 0) return;
  let after: string | null = null;
  for (;;) {
    const page = await db
      .selectFrom('questions')
      .select('question_id')
      .distinct()
      .where('campaign_id', 'in', campaignIds)
      .where('quarantined_at', 'is', null)
      .$if(after !== null, (qb) => qb.where('question_id', '>', after!))
      .orderBy('question_id')
      .limit(questionsPerPage)
      .execute();
    if (page.length === 0) return;
    after = page.at(-1)!.question_id;
    const rows = await db
      .selectFrom('samples as s')
      .innerJoin('grades as g', 'g.sample_id', 's.id')
      .innerJoin('questions as q', (j) => j.onRef('q.campaign_id', '=', 's.campaign_id').onRef('q.question_id', '=', 's.question_id'))
      .select([
        's.id',
        's.campaign_id',
        's.question_id',
        'q.kind',
        's.stage',
        's.sample_index',
        's.completion_tokens',
        'g.correct',
        'g.eligible',
        'g.reasons',
        'g.grader_version',
        sql<
          Record<string, unknown>
        >`jsonb_build_object('qualityScore', g.metrics->'qualityScore', 'responseChars', g.metrics->'responseChars', 'undecided', g.metrics->'undecided', 'tools', g.metrics->'tools')`.as(
          'metrics',
        ),
      ])
      .distinctOn(['s.question_id', 's.id'])
      .where('s.campaign_id', 'in', campaignIds)
      .where('q.quarantined_at', 'is', null)
      .where(
        's.question_id',
        'in',
        page.map((q) => q.question_id),
      )
      .orderBy('s.question_id')
      .orderBy('s.id')
      .orderBy('g.created_at', 'desc')
      .execute();
    yield rows.map((r) => ({
      sampleId: r.id,
      campaignId: r.campaign_id,
      questionId: r.question_id,
      questionKind: r.kind,
      stage: r.stage,
      sampleIndex: r.sample_index,
      completionTokens: r.completion_tokens,
      correct: r.correct,
      eligible: r.eligible,
      reasons: r.reasons,
      // jsonb_build_object keeps absent keys as JSON null; selection reads only what a grader wrote.
      metrics: Object.fromEntries(Object.entries(r.metrics).filter(([, v]) => v !== null)),
      graderVersion: r.grader_version,
    }));
    if (page.length < questionsPerPage) return;
  }
}

/**
 * Every metric of the newest verdict of each sample (candidate pages carry only what selection
 * reads): what a dataset row records, e.g. the repetition scores a reviewer looks at.
 */
export async function newestVerdictMetrics(db: DbOrTx, sampleIds: readonly string[]): Promise<Map<string, Record<string, unknown>>> {
  const out = new Map<string, Record<string, unknown>>();
  for (let i = 0; i < sampleIds.length; i += 1000) {
    const rows = await db
      .selectFrom('grades')
      .select(['sample_id', 'metrics'])
      .distinctOn('sample_id')
      .where('sample_id', 'in', sampleIds.slice(i, i + 1000))
      .orderBy('sample_id')
      .orderBy('created_at', 'desc')
      .execute();
    for (const r of rows) out.set(r.sample_id, r.metrics);
  }
  return out;
}

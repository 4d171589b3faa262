import { InputError } from '@rft/contracts';
import { sha256Hex } from '../content-hash.ts';
import type { ReviewEdit } from '../lineage.ts';
import type { DatasetManifest } from '../manifest.ts';
import type { ReviewDecision } from './review-item.ts';
import { trainedText, versionRows, type VersionRow } from './version-rows.ts';

/** What a set of review decisions does to a dataset version, checked row by row. */
export interface ReviewPlan {
  /** The rows the reviewed version keeps, in the parent's order (what verdict they carry, for the rebuild). */
  rows: Array<Pick<VersionRow, 'id' | 'question_id' | 'correct' | 'grader_version' | 'verdict_metrics'>>;
  /** Replacement segments of the edited rows. */
  edited: Map<string, VersionRow['segments']>;
  /** Every drop and edit, with the sha256 of the trained text before and after. */
  edits: ReviewEdit[];
  /** Rows explicitly kept. */
  kept: number;
}

/** Segment kinds a reviewer may rewrite: what the model wrote (trained). Prompts, hints and tool output are not its text. */
const EDITABLE = new Set(['model', 'code']);

/**
 * Checks review decisions against a dataset version and works out their effect: every decision
 * names a row of the version, once; only trained `model` and `code` segments are edited; the
 * end-of-turn token stays where the row had it (the end of its last segment) whether or not the
 * reviewer typed it, and may not appear anywhere else. Problems are InputErrors naming the sample.
 */
export async function planReview(
  rows: AsyncIterable<VersionRow>,
  manifest: Pick<DatasetManifest, 'datasetId' | 'modelProfile'>,
  decisions: readonly ReviewDecision[],
  reviewer: string,
): Promise<ReviewPlan> {
  if (reviewer.trim() === '') throw new InputError('reviewer: required (who made these decisions)');
  const bySample = new Map<string, ReviewDecision>();
  for (const d of decisions) {
    if (bySample.has(d.sampleId)) throw new InputError(`sample ${d.sampleId}: decided twice`);
    bySample.set(d.sampleId, d);
  }
  const eot = manifest.modelProfile.endOfTurn;
  const plan: ReviewPlan = { rows: [], edited: new Map(), edits: [], kept: 0 };
  const seen = new Set<string>();
  for await (const row of rows) {
    seen.add(row.id);
    const decision = bySample.get(row.id);
    const before = sha256Hex(trainedText(row.segments));
    if (decision?.decision === 'drop') {
      plan.edits.push({ sampleId: row.id, decision: 'drop', reviewer, sha256Before: before, sha256After: null });
      continue;
    }
    if (decision?.decision === 'edit') {
      const segments = editedSegments(row, decision, eot);
      plan.edited.set(row.id, segments);
      plan.edits.push({
        sampleId: row.id,
        decision: 'edit',
        reviewer,
        sha256Before: before,
        sha256After: sha256Hex(trainedText(segments)),
      });
    }
    if (decision?.decision === 'keep') plan.kept++;
    const { id, question_id, correct, grader_version, verdict_metrics } = row;
    plan.rows.push({ id, question_id, correct, grader_version, verdict_metrics });
  }
  const unknown = [...bySample.keys()].filter((id) => !seen.has(id));
  if (unknown.length) throw new InputError(`samples not in dataset ${manifest.datasetId}: ${unknown.slice(0, 10).join(', ')}`);
  if (plan.rows.length === 0)
    throw new InputError(`every row of dataset ${manifest.datasetId} was dropped; nothing to build a version from`);
  return plan;
}

/** planReview over a stored version's rows. */
export function planStoredReview(
  store: Parameters<typeof versionRows>[0],
  manifest: DatasetManifest,
  decisions: readonly ReviewDecision[],
  reviewer: string,
): Promise<ReviewPlan> {
  return planReview(versionRows(store, manifest), manifest, decisions, reviewer);
}

function editedSegments(row: VersionRow, decision: Extract<ReviewDecision, { decision: 'edit' }>, eot: string): VersionRow['segments'] {
  const segments = row.segments.map((s) => ({ ...s }));
  const touched = new Set<number>();
  for (const edit of decision.edits) {
    const where = `sample ${row.id}: segment ${edit.segment}`;
    const segment = segments[edit.segment];
    if (!segment) throw new InputError(`${where} does not exist (${segments.length} segments)`);
    if (!segment.train || !EDITABLE.has(segment.kind))
      throw new InputError(`${where} is ${segment.kind}; only model and code segments can be edited`);
    if (touched.has(edit.segment)) throw new InputError(`${where} edited twice`);
    touched.add(edit.segment);
    const endsRow = edit.segment === segments.length - 1 && segment.text.endsWith(eot);
    const body = endsRow && edit.text.endsWith(eot) ? edit.text.slice(0, -eot.length) : edit.text;
    if (body.includes(eot)) throw new InputError(`${where}: the end-of-turn token ${eot} may only end the row`);
    if (endsRow && body === '') throw new InputError(`${where}: replacement is empty`);
    segment.text = endsRow ? body + eot : body;
  }
  return segments;
}

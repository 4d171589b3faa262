import { stableJson } from '@rft/dataset';
import {
  DEFAULT_MODEL_PROFILE,
  TRAINED_SEGMENT_KINDS,
  type Question,
  type SegmentKind,
  type Trajectory,
  type Verdict,
} from '@rft/contracts';
import type { MaskedSegment } from './token-alignment.ts';

/** One selected sample handed to the dataset build. */
export interface DatasetRowInput {
  question: Question;
  trajectory: Trajectory;
  verdict: Verdict;
  /** Stable id of the stored sample (unique within the dataset). */
  sampleId: string;
}

/**
 * The canonical training record: every export is a deterministic projection of it.
 * Segments keep the trajectory's kinds; `train` derives from the kind (model and code trained;
 * prompt, hint, tool output and system masked).
 */
export interface CanonicalRecord {
  id: string;
  questionId: string;
  questionKind: Question['kind'];
  source: string | null;
  campaignId: string;
  recipe: string;
  /** The model profile that generated the row (rows that recorded none used the default profile). */
  modelProfile: string;
  /** How its python blocks ran; null when the row did not record it. */
  toolState: 'session' | 'stateless' | null;
  split: 'train';
  segments: MaskedSegment[];
  toolCalls: number;
  hintsInserted: number;
  correct: boolean;
  graderVersion: string;
  /** Verdict metrics as a JSON string: free-form and heterogeneous, so not a typed column. */
  verdictMetrics: string;
  numTokens: number;
  numTrainTokens: number;
  numStraddleTokens: number;
  numHintTokens: number;
  numToolOutputTokens: number;
}

/** Token ids and loss mask computed once with the model's tokenizer; exported to TRL. */
export interface TokenizedRecord {
  record: CanonicalRecord;
  ids: number[];
  trainMask: Uint8Array;
}

export function isTrainedKind(kind: SegmentKind): boolean {
  return TRAINED_SEGMENT_KINDS.has(kind);
}

/** Segments with their train flag; empty segments are left out, text is NFC-normalized. */
export function maskedSegments(trajectory: Trajectory): MaskedSegment[] {
  return trajectory.segments
    .filter((s) => s.text.length > 0)
    .map((s) => ({ kind: s.kind, text: s.text.normalize('NFC'), train: isTrainedKind(s.kind) }));
}

export function baseRecord(row: DatasetRowInput, segments: MaskedSegment[]): Omit<CanonicalRecord, `num${string}`> {
  return {
    id: row.sampleId,
    questionId: row.question.id,
    questionKind: row.question.kind,
    source: row.question.source ?? null,
    campaignId: row.trajectory.campaignId,
    recipe: row.trajectory.recipe,
    modelProfile: row.trajectory.modelProfile ?? DEFAULT_MODEL_PROFILE,
    toolState: row.trajectory.toolState ?? null,
    split: 'train',
    segments,
    toolCalls: row.trajectory.toolCalls,
    hintsInserted: row.trajectory.hintsInserted,
    correct: row.verdict.correct,
    graderVersion: row.verdict.graderVersion,
    verdictMetrics: stableJson(row.verdict.metrics),
  };
}

/** The JSONL form of the canonical record (snake_case, like the Parquet columns). */
export function recordToJson(r: CanonicalRecord): Record<string, unknown> {
  return {
    id: r.id,
    question_id: r.questionId,
    question_kind: r.questionKind,
    source: r.source,
    campaign_id: r.campaignId,
    recipe: r.recipe,
    model_profile: r.modelProfile,
    tool_state: r.toolState,
    split: r.split,
    segments: r.segments.map((s) => ({ kind: s.kind, text: s.text, train: s.train })),
    tool_calls: r.toolCalls,
    hints_inserted: r.hintsInserted,
    correct: r.correct,
    grader_version: r.graderVersion,
    verdict_metrics: r.verdictMetrics,
    num_tokens: r.numTokens,
    num_train_tokens: r.numTrainTokens,
    num_straddle_tokens: r.numStraddleTokens,
    num_hint_tokens: r.numHintTokens,
    num_tool_output_tokens: r.numToolOutputTokens,
  };
}

/**
 * Why a row of a dataset version deserves a human look before training (the paper fixed some
 * selected trajectories by hand). Rows in a version already passed the grader, so the flags look
 * for what is legal but suspect.
 */
export type ReviewFlagReason = 'borderline_repetition' | 'recovered_tool_error' | 'very_long';

export interface ReviewFlag {
  reason: ReviewFlagReason;
  detail: string;
}

/**
 * The grader's rejection limits for the repetition metrics it stores in `verdict.metrics.repetition`
 * (services/grader DEFAULT_THRESHOLDS; a metric above its limit made the sample ineligible).
 */
export const REPETITION_LIMITS = {
  repN: 0.3,
  maxLongNgramCount: 20,
  maxMaskedNgramCount: 40,
  maxLineRepeats: 40,
  maxParagraphRepeats: 10,
  tailLoopChars: 1000,
} as const;

export interface FlagOptions {
  /** A repetition metric at or above this fraction of its rejection limit is borderline. @defaultValue 0.75 */
  borderlineFraction: number;
  /** Rows with at least this many tokens are very long (the version's p99 by default). */
  longTokens: number;
}

/** What flagging reads of a canonical record (the JSONL form of a dataset version's row). */
export interface FlaggableRow {
  num_tokens: number;
  verdict_metrics: string;
  segments: ReadonlyArray<{ kind: string; text: string }>;
}

/** A traceback or an `XxxError:` line: what a failed python call prints. */
const TOOL_ERROR = /Traceback \(most recent call last\)|^\w*(Error|Exception): /m;

export function reviewFlags(row: FlaggableRow, opts: FlagOptions): ReviewFlag[] {
  const flags: ReviewFlag[] = [];
  const metrics = parseMetrics(row.verdict_metrics);
  const repetition = metrics['repetition'];
  if (repetition && typeof repetition === 'object') {
    const near: string[] = [];
    for (const [name, limit] of Object.entries(REPETITION_LIMITS)) {
      const value = (repetition as Record<string, unknown>)[name];
      if (typeof value === 'number' && value >= opts.borderlineFraction * limit) near.push(`${name}=${value} (limit ${limit})`);
    }
    if (near.length) flags.push({ reason: 'borderline_repetition', detail: near.join(', ') });
  }
  const tools = metrics['tools'] as { toolErrors?: unknown } | undefined;
  const errorsFromMetrics = typeof tools?.toolErrors === 'number' ? tools.toolErrors : 0;
  const errorsInOutput = row.segments.filter((s) => s.kind === 'tool_output' && TOOL_ERROR.test(s.text)).length;
  const toolErrors = Math.max(errorsFromMetrics, errorsInOutput);
  // Every row of a version is graded correct: a tool error in it was recovered from.
  if (toolErrors > 0) flags.push({ reason: 'recovered_tool_error', detail: `${toolErrors} failed tool call(s) before a correct answer` });
  if (row.num_tokens >= opts.longTokens) flags.push({ reason: 'very_long', detail: `${row.num_tokens} tokens (>= ${opts.longTokens})` });
  return flags;
}

function parseMetrics(text: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

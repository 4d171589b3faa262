import { z } from 'zod';

/**
 * What produced a piece of a trajectory. Loss masks derive from it:
 * `model` and `code` are trained; `prompt`, `hint`, `tool_output` and `system` are not.
 */
export const SegmentKind = z.enum(['prompt', 'model', 'hint', 'code', 'tool_output', 'system']);
export type SegmentKind = z.infer<typeof SegmentKind>;

export const TRAINED_SEGMENT_KINDS: ReadonlySet<SegmentKind> = new Set(['model', 'code']);

export const Segment = z.object({
  kind: SegmentKind,
  text: z.string(),
  /** Free-form provenance: hint id and purpose, tool status, trigger word... */
  meta: z.record(z.string(), z.unknown()).optional(),
});
export type Segment = z.infer<typeof Segment>;

/** Usage and timing of one generate call (one "turn" between two stops). */
export const TurnUsage = z.object({
  promptTokens: z.number().int().nonnegative(),
  completionTokens: z.number().int().nonnegative(),
  cachedTokens: z.number().int().nonnegative().nullable(),
  finishReason: z.string(),
  stopReason: z.union([z.string(), z.number()]).nullable(),
  latencyMs: z.number().nonnegative(),
  replica: z.string().optional(),
});
export type TurnUsage = z.infer<typeof TurnUsage>;

/** Why a trajectory ended. `error` carries a reason in `error`. */
export const TrajectoryEnd = z.enum([
  'eos', // the model finished its answer
  'token_budget', // the total token budget ran out
  'repetition_abort', // stopped early by the streaming repetition guard
  'error', // the sample could not be generated; see `error`
]);
export type TrajectoryEnd = z.infer<typeof TrajectoryEnd>;

export const Trajectory = z.object({
  campaignId: z.string(),
  questionId: z.string(),
  stage: z.string(),
  sampleIndex: z.number().int().nonnegative(),
  seed: z.number().int(),
  recipe: z.string(),
  /** sha256 of the chat template that rendered the prompt, and the hint library version: provenance for datasets. */
  chatTemplateSha256: z.string().optional(),
  hintLibraryVersion: z.string().optional(),
  /** The model profile (chat template, thinking markers, end-of-turn token) the trajectory was generated with. */
  modelProfile: z.string().optional(),
  /**
   * The profile's end-of-turn text. A trajectory that ended on EOS (`end: 'eos'`) stores it exactly
   * once at the end of its last trained segment, whether or not the server echoed it, so every export
   * trains the model to stop: the last segment is `{ kind: 'model', text: endOfTurn, meta: { endOfTurn:
   * true, echoed, finishReason, stopReason } }` (`echoed`: the EOS text the server returned, '' if none).
   */
  endOfTurn: z.string().optional(),
  /** Whether the python blocks shared one interpreter (`session`) or ran each on its own. */
  toolState: z.enum(['session', 'stateless']).optional(),
  segments: z.array(Segment),
  turns: z.array(TurnUsage),
  end: TrajectoryEnd,
  error: z.string().optional(),
  toolCalls: z.number().int().nonnegative(),
  hintsInserted: z.number().int().nonnegative(),
  /** Tokens not generated thanks to an early abort (estimate), for cost reports. */
  tokensSaved: z.number().int().nonnegative().optional(),
});
export type Trajectory = z.infer<typeof Trajectory>;

/** The completion the grader reads: everything the model (not the prompt) contributed. */
export function responseText(segments: readonly Segment[]): string {
  return segments
    .filter((s) => s.kind !== 'prompt' && s.kind !== 'system')
    .map((s) => s.text)
    .join('');
}

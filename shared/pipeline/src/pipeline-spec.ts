import { ModelSpec, StageSpec, strictObject } from '@rft/contracts';
import { z } from 'zod';

/** Step, model and benchmark names: used in paths, ledger keys and report headers. */
const Name = z.string().regex(/^[a-z][a-z0-9-]{0,47}$/, 'lowercase letters, digits and dashes, starting with a letter, at most 48');

/** A required reference, whose absence says what it must name instead of "expected string". */
function reference(what: string) {
  return z.string({ error: (issue) => (issue.input === undefined ? `required: ${what}` : 'must be a name (a string)') }).min(1);
}

/** A model a step runs on: a `models:` entry, or a `serve` step (the model that step serves). */
const ModelRef = () => reference('a model: a models: entry or a serve step');

/** Which questions of an earlier campaign step are admitted to this one. */
export const AdmissionRule = strictObject({
  step: reference('the campaign step whose verdicts decide admission'),
  /**
   * `graded-wrong`: no sample of the question was graded correct in `step` (the paper runs
   * Hint-infer only where greedy failed). `graded-right`: at least one sample was correct.
   */
  questions: z.enum(['graded-wrong', 'graded-right']),
});
export type AdmissionRule = z.infer<typeof AdmissionRule>;

const { name: _stageName, ...stageFields } = StageSpec.shape;

/** One sampling stage on a named model (recipe and overrides as in a campaign spec's stage). */
export const CampaignStep = strictObject({
  kind: z.literal('campaign'),
  model: ModelRef(),
  /** The question file (JSONL, one Question per line), as `rft submit` reads it. */
  questions: reference('a question file (JSONL)'),
  ...stageFields,
  admit: AdmissionRule.optional(),
});
export type CampaignStep = z.infer<typeof CampaignStep>;

/** Per question kind, the most examples the dataset keeps (the paper's D_seed: 10k math + 2k code). */
export const Quotas = strictObject({
  math: z.number().int().min(0).optional(),
  code: z.number().int().min(0).optional(),
});
export type Quotas = z.infer<typeof Quotas>;

/** Hint-RFT: keep questions whose greedy answer is wrong and whose Hint-infer answer is right. */
export const HintRftSelectStep = strictObject({
  kind: z.literal('select'),
  policy: z.literal('hint-rft'),
  greedy: reference('the campaign step with greedy answers'),
  hint: reference('the campaign step with Hint-infer answers'),
  quotas: Quotas.optional(),
});

/** RFT: at most one eligible sample per question of `from`. */
export const RftSelectStep = strictObject({
  kind: z.literal('select'),
  policy: z.literal('rft'),
  from: reference('the campaign step to select from'),
  minResponseChars: z.number().int().min(0).default(0),
  quotas: Quotas.optional(),
});

export const SelectStep = z.discriminatedUnion('policy', [HintRftSelectStep, RftSelectStep], {
  error: (issue) => (issue.code === 'invalid_union' ? 'policy must be "hint-rft" or "rft"' : undefined),
});
export type SelectStep = z.infer<typeof SelectStep>;

/** A fine-tuning run of `base` on the dataset a select step produced. */
export const TrainStep = strictObject({
  kind: z.literal('train'),
  dataset: reference('the select step whose dataset is trained on'),
  base: ModelRef(),
  /** The training profile file the launcher reads (learning rate, batch, sequence, cluster). */
  profile: reference('a training profile file'),
  /** The name the trained checkpoint is registered and served under, e.g. `start-0`. */
  produces: Name,
});
export type TrainStep = z.infer<typeof TrainStep>;

/** `vllm serve --max-model-len`: the context the server accepts (unset: the checkpoint's own). */
const MaxModelLen = z.number().int().min(256).max(1_048_576).optional();

export const ServeBackend = z.discriminatedUnion('type', [
  strictObject({
    type: z.literal('slurm'),
    partition: z.string().min(1).optional(),
    gpusPerReplica: z.number().int().min(1).max(64).default(1),
    replicas: z.number().int().min(1).max(256).default(1),
    maxModelLen: MaxModelLen,
  }),
  strictObject({
    type: z.literal('kubernetes'),
    namespace: z.string().min(1).default('default'),
    gpusPerReplica: z.number().int().min(1).max(64).default(1),
    replicas: z.number().int().min(1).max(256).default(1),
    maxModelLen: MaxModelLen,
  }),
  /** An operator starts the server and registers its endpoint. */
  strictObject({ type: z.literal('external') }),
  /**
   * Development only (tests, the demo): a model-sim process on the launcher's machine whose
   * behaviour follows the training dataset. Never a real model.
   */
  strictObject({ type: z.literal('local') }),
]);
export type ServeBackend = z.infer<typeof ServeBackend>;

/** An inference endpoint for a train step's checkpoint; done when `/v1/models` lists it. */
export const ServeStep = strictObject({
  kind: z.literal('serve'),
  checkpoint: reference('the train step whose checkpoint is served'),
  backend: ServeBackend,
});
export type ServeStep = z.infer<typeof ServeStep>;

export const EvalRecipe = z.discriminatedUnion('mode', [
  strictObject({ mode: z.literal('greedy') }),
  strictObject({
    mode: z.literal('sampled'),
    samples: z.number().int().min(1).max(1024),
    temperature: z.number().min(0).max(2),
    topP: z.number().gt(0).max(1).default(0.95),
  }),
]);
export type EvalRecipe = z.infer<typeof EvalRecipe>;

/** Benchmarks x models: one report cell per pair. */
export const EvalStep = strictObject({
  kind: z.literal('eval'),
  benchmarks: z.array(Name).min(1),
  models: z.array(ModelRef()).min(1),
  recipe: EvalRecipe,
  /** Off for the no-tools ablation (the paper's QwQ-RFT). */
  tools: z.boolean().default(true),
});
export type EvalStep = z.infer<typeof EvalStep>;

export const PipelineStep = z.discriminatedUnion('kind', [CampaignStep, SelectStep, TrainStep, ServeStep, EvalStep], {
  error: (issue) => (issue.code === 'invalid_union' ? 'kind must be one of campaign, select, train, serve, eval' : undefined),
});
export type PipelineStep = z.infer<typeof PipelineStep>;
export type StepKind = PipelineStep['kind'];

/** Every step kind (the ledger's `pipeline_steps.kind` accepts exactly these). */
export const STEP_KINDS = ['campaign', 'select', 'train', 'serve', 'eval'] as const satisfies readonly StepKind[];
// Fails to compile when a kind is added to PipelineStep but not to STEP_KINDS.
const _everyKindListed: Exclude<StepKind, (typeof STEP_KINDS)[number]> extends never ? true : never = true;

/** A held-out problem set (JSONL of Questions) used for evaluation and decontamination. */
export const BenchmarkSpec = strictObject({ file: z.string().min(1) });

export const DecontaminationSpec = strictObject({
  /** Benchmarks whose problems are removed from every campaign step's questions before sampling. */
  benchmarks: z.array(Name).min(1),
  /** Word n-gram length; a training question sharing one such n-gram with a benchmark problem is excluded. */
  ngram: z.number().int().min(3).max(50).default(13),
});

/** A pipeline as submitted: models, benchmarks and a DAG of steps keyed by name. */
export const PipelineSpecShape = strictObject({
  name: z.string().min(1).max(120),
  /**
   * The team it belongs to, and the team of every campaign it registers: submitters see their own
   * team's. Unset: the submitting token's team (an operator's: `default`).
   */
  team: z.string().min(1).max(64).optional(),
  description: z.string().max(2000).optional(),
  models: z.record(Name, ModelSpec).default({}),
  benchmarks: z.record(Name, BenchmarkSpec).default({}),
  decontamination: DecontaminationSpec.optional(),
  steps: z.record(Name, PipelineStep).refine((steps) => Object.keys(steps).length > 0, 'a pipeline needs at least one step'),
});
export type PipelineSpec = z.infer<typeof PipelineSpecShape>;

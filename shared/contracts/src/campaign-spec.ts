import { z } from 'zod';
import { strictObject } from './strict-object.ts';
import { BUILTIN_RECIPE_NAMES, HintPolicy, SamplingParams, ToolPolicy } from './recipe.ts';

const StageName = z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'lowercase letters, digits and dashes, starting with a letter, at most 32');

export const StageSpec = strictObject({
  name: StageName,
  recipe: z.enum(BUILTIN_RECIPE_NAMES as [string, ...string[]], {
    error: (issue) => `unknown recipe ${JSON.stringify(issue.input)}; known: ${BUILTIN_RECIPE_NAMES.join(', ')}`,
  }),
  samples: z.number().int().min(1).max(1024).optional(),
  sampling: SamplingParams.partial().optional(),
  tools: ToolPolicy.partial().optional(),
  hints: HintPolicy.partial().optional(),
});
export type StageSpec = z.infer<typeof StageSpec>;

export const ModelSpec = strictObject({
  /** The model name sent as `model` to the inference servers. */
  name: z.string().min(1),
  /**
   * OpenAI-compatible base URLs (vLLM or SGLang replicas), e.g. http://10.0.0.5:8000. Each must also
   * be on the operator's INFERENCE_ENDPOINT_ALLOWLIST (see endpoint-allowlist.ts).
   */
  endpoints: z
    .array(z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }))
    .min(1)
    .optional(),
  /** A tokenizer_config.json (path or S3 key) whose chat template renders prompts. */
  tokenizerConfig: z.string().min(1).optional(),
  /**
   * The model profile: chat template, thinking markers (or none), end-of-turn and EOS tokens,
   * default system prompt. Known profiles are listed in the README; the default is `qwq-32b`.
   */
  profile: z.string().min(1).optional(),
});

export const SelectionSpec = z.discriminatedUnion('policy', [
  strictObject({
    policy: z.literal('rft'),
    stage: StageName.optional(),
    minResponseChars: z.number().int().min(0).default(0),
  }),
  strictObject({
    policy: z.literal('hint-rft'),
    greedyStage: StageName,
    hintStage: StageName,
  }),
]);
export type SelectionSpec = z.infer<typeof SelectionSpec>;

/** A sampling campaign, as submitted in YAML. */
export const CampaignSpec = strictObject({
  name: z.string().min(1).max(120),
  team: z.string().min(1).max(64).default('default'),
  description: z.string().max(2000).optional(),
  model: ModelSpec,
  stages: z.array(StageSpec).min(1).max(8),
  /** Questions per shard: the unit of progress reports and bulk retries. */
  shardSize: z.number().int().min(1).max(100_000).default(1000),
  selection: SelectionSpec.optional(),
}).superRefine((spec, ctx) => {
  const names = new Set<string>();
  spec.stages.forEach((stage, i) => {
    if (names.has(stage.name)) {
      ctx.addIssue({ code: 'custom', path: ['stages', i, 'name'], message: `duplicate stage name "${stage.name}"` });
    }
    names.add(stage.name);
  });
  const sel = spec.selection;
  const refs =
    sel?.policy === 'hint-rft'
      ? ([
          ['greedyStage', sel.greedyStage],
          ['hintStage', sel.hintStage],
        ] as const)
      : sel?.policy === 'rft' && sel.stage
        ? ([['stage', sel.stage]] as const)
        : [];
  for (const [field, name] of refs) {
    if (!names.has(name)) {
      ctx.addIssue({ code: 'custom', path: ['selection', field], message: `no stage named "${name}"` });
    }
  }
});
export type CampaignSpec = z.infer<typeof CampaignSpec>;

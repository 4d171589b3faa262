import { BUILTIN_RECIPES, Recipe, type BuiltinRecipeName } from './recipe.ts';
import type { StageSpec } from './campaign-spec.ts';

/** The effective recipe of a stage: the built-in one with the stage's overrides applied. */
export function resolveRecipe(stage: StageSpec): Recipe {
  const base = BUILTIN_RECIPES[stage.recipe as BuiltinRecipeName];
  return Recipe.parse({
    name: base.name,
    samples: stage.samples ?? base.samples,
    sampling: { ...base.sampling, ...stage.sampling },
    tools: { ...base.tools, ...stage.tools },
    hints: { ...base.hints, ...stage.hints },
  });
}

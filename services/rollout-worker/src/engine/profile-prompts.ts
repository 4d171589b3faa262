/**
 * The prompt side of each model profile an engine meets: its chat template (or the operator's
 * tokenizer config, which then overrides every profile's template) and a small render cache.
 */
import { resolveModelProfile, type ModelProfile, type Question, type Recipe } from '@rft/contracts';
import { createProfileTemplate, resolveChatTemplate, type ChatTemplate, type ChatTemplateSource } from './chat-template.ts';
import { buildMessages } from './prompt-format.ts';

export interface ProfilePrompts {
  profile: ModelProfile;
  chatTemplateSha256: string | null;
  renderPrompt(question: Question, recipe: Recipe): string;
}

const CACHE_LIMIT = 4096;

export function createProfilePrompts(override: ChatTemplateSource | undefined): (name: string | undefined) => ProfilePrompts {
  const overrideTemplate = override === undefined ? null : resolveChatTemplate(override);
  const byName = new Map<string, ProfilePrompts>();
  return (name) => {
    const profile = resolveModelProfile(name); // throws naming the known profiles
    const known = byName.get(profile.name);
    if (known) return known;
    const template: ChatTemplate = overrideTemplate ?? createProfileTemplate(profile);
    const prompts = new Map<string, string>();
    const entry: ProfilePrompts = {
      profile,
      chatTemplateSha256: template.sha256,
      renderPrompt(question, recipe) {
        // Keyed by content: two campaigns may reuse a question id for different problems.
        const cacheKey = `${question.kind}\u0000${recipe.tools.enabled}\u0000${question.problem}`;
        const hit = prompts.get(cacheKey);
        if (hit !== undefined) return hit;
        const rendered = template.render(buildMessages(question, recipe, profile));
        prompts.set(cacheKey, rendered);
        if (prompts.size > CACHE_LIMIT) prompts.delete(prompts.keys().next().value as string);
        return rendered;
      },
    };
    byName.set(profile.name, entry);
    return entry;
  };
}

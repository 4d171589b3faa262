/** The conversation a sample starts from: optional tool instructions and the question. */
import { MODEL_PROFILES, type ModelProfile, type Question, type Recipe } from '@rft/contracts';
import type { ChatMessage } from './chat-template.ts';

/** How to use the tool, said once, wherever the profile wants instructions. */
export const TOOL_USE_INSTRUCTIONS =
  'You can run Python: write code in a ```python block and its output will be returned in an ```output block.';

export const TOOL_SYSTEM_PROMPT = `You are a helpful assistant who reasons step by step. ${TOOL_USE_INSTRUCTIONS}`;

/**
 * Tool instructions go where the profile says: a system message (after the model's own default
 * system prompt, if it has one), or ahead of the question for models that advise against system
 * prompts. Without tools no system message is sent: the template applies the model's default.
 */
export function buildMessages(question: Question, recipe: Recipe, profile: ModelProfile = MODEL_PROFILES['qwq-32b']): ChatMessage[] {
  const messages: ChatMessage[] = [];
  const tools = recipe.tools.enabled;
  if (tools && profile.toolInstructions === 'system') {
    const system = profile.defaultSystemPrompt ? `${profile.defaultSystemPrompt} ${TOOL_USE_INSTRUCTIONS}` : TOOL_SYSTEM_PROMPT;
    messages.push({ role: 'system', content: system });
  }
  const lead = tools && profile.toolInstructions === 'user' ? `${TOOL_USE_INSTRUCTIONS}\n\n` : '';
  switch (question.kind) {
    case 'math':
      messages.push({
        role: 'user',
        content: `${lead}${question.problem}\nPlease reason step by step, and put your final answer within \\boxed{}.`,
      });
      break;
    case 'code':
      messages.push({
        role: 'user',
        content: `${lead}${question.problem}\n\nWrite a Python program that reads from standard input and writes to standard output. Put the final program in a single \`\`\`python block at the end.`,
      });
      break;
  }
  return messages;
}

/** The conversation a sample starts from: optional tool instructions and the question. */
import type { Question, Recipe } from '@rft/contracts';
import type { ChatMessage } from './chat-template.ts';

export const TOOL_SYSTEM_PROMPT =
  'You are a helpful assistant who reasons step by step. You can run Python: write code in a ```python block and its output will be returned in an ```output block.';

export function buildMessages(question: Question, recipe: Recipe): ChatMessage[] {
  const messages: ChatMessage[] = [];
  if (recipe.tools.enabled) messages.push({ role: 'system', content: TOOL_SYSTEM_PROMPT });
  switch (question.kind) {
    case 'math':
      messages.push({ role: 'user', content: `${question.problem}\nPlease reason step by step, and put your final answer within \\boxed{}.` });
      break;
    case 'code':
      messages.push({ role: 'user', content: `${question.problem}\n\nWrite a Python program that reads from standard input and writes to standard output. Put the final program in a single \`\`\`python block at the end.` });
      break;
  }
  return messages;
}

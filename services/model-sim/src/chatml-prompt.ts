/** Reads a rendered ChatML prompt (Qwen/QwQ style) back into the parts the simulator cares about. */
import { parseProblem, type ParsedQuestion } from './question-bank.ts';

export interface PromptView {
  problemText: string;
  question: ParsedQuestion | null;
  assistant: string;
  thinkOpen: boolean;
  toolsAdvertised: boolean;
}

const USER = '<|im_start|>user\n';
const ASSISTANT = '<|im_start|>assistant\n';
const END = '<|im_end|>';

export function readPrompt(prompt: string): PromptView {
  const assistantAt = prompt.lastIndexOf(ASSISTANT);
  const userAt = prompt.lastIndexOf(USER, assistantAt >= 0 ? assistantAt : undefined);
  if (assistantAt < 0 || userAt < 0) {
    return { problemText: prompt.trim(), question: parseProblem(prompt), assistant: '', thinkOpen: false, toolsAdvertised: false };
  }
  const userEnd = prompt.indexOf(END, userAt);
  const userText = prompt.slice(userAt + USER.length, userEnd >= 0 ? userEnd : assistantAt);
  let question: ParsedQuestion | null = null;
  let problemText = userText.trim();
  for (const line of userText.split('\n')) {
    const parsed = parseProblem(line);
    if (parsed) {
      question = parsed;
      problemText = line.trim();
      break;
    }
  }
  let assistant = prompt.slice(assistantAt + ASSISTANT.length);
  const thinkOpen = assistant.startsWith('<think>\n');
  if (thinkOpen) assistant = assistant.slice('<think>\n'.length);
  const toolsAdvertised = prompt.slice(0, userAt).includes('```python');
  return { problemText, question, assistant, thinkOpen, toolsAdvertised };
}

/** Reads a rendered prompt (ChatML or DeepSeek markers, per profile) back into the parts the simulator cares about. */
import { parseCodeProblem, type ParsedCodeQuestion } from './code-questions.ts';
import { parseProblem, type ParsedQuestion } from './question-bank.ts';
import { SIM_PROFILES, type SimProfile } from './sim-profiles.ts';

export interface PromptView {
  problemText: string;
  question: ParsedQuestion | null;
  codeQuestion: ParsedCodeQuestion | null;
  /** The assistant text so far, after the thinking opener when the prompt holds it. */
  assistant: string;
  thinkOpen: boolean;
  toolsAdvertised: boolean;
}

const THINK_OPEN = '<think>\n';

export function readPrompt(prompt: string, profile: SimProfile = SIM_PROFILES['qwq-32b'] as SimProfile): PromptView {
  const assistantAt = prompt.lastIndexOf(profile.assistantMarker);
  const userAt = prompt.lastIndexOf(profile.userMarker, assistantAt >= 0 ? assistantAt : undefined);
  if (assistantAt < 0 || userAt < 0) {
    return {
      problemText: prompt.trim(),
      question: parseProblem(prompt),
      codeQuestion: parseCodeProblem(prompt),
      assistant: '',
      thinkOpen: false,
      toolsAdvertised: false,
    };
  }
  const userEnd = profile.turnEnd ? prompt.indexOf(profile.turnEnd, userAt) : -1;
  const userText = prompt.slice(userAt + profile.userMarker.length, userEnd >= 0 && userEnd < assistantAt ? userEnd : assistantAt);
  let question: ParsedQuestion | null = null;
  let codeQuestion: ParsedCodeQuestion | null = null;
  let problemText = userText.trim();
  for (const line of userText.split('\n')) {
    question = parseProblem(line);
    codeQuestion = question ? null : parseCodeProblem(line);
    if (question || codeQuestion) {
      problemText = line.trim();
      break;
    }
  }
  let assistant = prompt.slice(assistantAt + profile.assistantMarker.length);
  const thinkOpen = profile.thinking !== 'none' && assistant.startsWith(THINK_OPEN);
  if (thinkOpen) assistant = assistant.slice(THINK_OPEN.length);
  // Tool instructions sit in the system prompt or (models that advise against one) ahead of the question.
  const toolsAdvertised = prompt.slice(0, assistantAt).includes('```python');
  return { problemText, question, codeQuestion, assistant, thinkOpen, toolsAdvertised };
}

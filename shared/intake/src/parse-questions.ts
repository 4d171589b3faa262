import { InputError, Question, describeIssues } from '@rft/contracts';

export interface QuestionFileLimits {
  /** A longer line is refused before it is parsed. @defaultValue 8 MiB */
  maxLineBytes: number;
  /** @defaultValue 2,000,000 */
  maxQuestions: number;
  /** Problems listed in the error before the rest are summarized. @defaultValue 20 */
  maxReported: number;
}

/**
 * Text that a chat template or tokenizer treats as structure: ChatML/Qwen/Llama-3 special tokens
 * (`<|im_start|>`, `<|im_end|>`, `<|eot_id|>`...) and the reasoning/tool tags. In a problem they
 * would forge a turn or close the thinking block, so such a question is refused, not rewritten.
 */
const CHAT_CONTROL = /<\|[A-Za-z0-9_]{1,64}\|>|<\/?think>|<\/?tool_call>|<\/?tool_response>/;

/** Every string in a parsed value containing NUL (Postgres jsonb cannot store it), with its path. */
function nulFields(value: unknown, path: string): string[] {
  if (typeof value === 'string') return value.includes('\u0000') ? [path] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => nulFields(v, `${path}.${i}`));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => nulFields(v, path ? `${path}.${k}` : k));
  return [];
}

const DEFAULT_LIMITS: QuestionFileLimits = { maxLineBytes: 8 * 1024 * 1024, maxQuestions: 2_000_000, maxReported: 20 };

/**
 * Parses a JSONL question file. Every bad line is reported with its number and field; the whole
 * file is refused if any line is bad, so a campaign is never half-registered.
 */
export function parseQuestionFile(bytes: Uint8Array, file: string, limits: Partial<QuestionFileLimits> = {}): Question[] {
  const { maxLineBytes, maxQuestions, maxReported } = { ...DEFAULT_LIMITS, ...limits };
  const problems: string[] = [];
  const questions: Question[] = [];
  const seen = new Map<string, number>();
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let start = 0;
  let lineNo = 0;
  while (start < bytes.length) {
    let end = bytes.indexOf(0x0a, start);
    if (end === -1) end = bytes.length;
    lineNo += 1;
    const lineBytes = bytes.subarray(start, end);
    start = end + 1;
    const report = (message: string) => problems.push(`${file}:${lineNo}: ${message}`);
    if (lineBytes.length > maxLineBytes) {
      report(`line is ${lineBytes.length} bytes, over the ${maxLineBytes}-byte limit`);
      continue;
    }
    let text: string;
    try {
      text = decoder.decode(lineBytes);
    } catch {
      report('line is not valid UTF-8');
      continue;
    }
    if (text.trim() === '') continue;
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (error) {
      report(`invalid JSON: ${(error as Error).message}`);
      continue;
    }
    const parsed = Question.safeParse(raw);
    if (!parsed.success) {
      for (const issue of describeIssues(parsed.error)) report(issue);
      continue;
    }
    const nul = nulFields(parsed.data, '');
    if (nul.length > 0) {
      for (const field of nul) report(`${field}: contains a NUL character (U+0000)`);
      continue;
    }
    const control = CHAT_CONTROL.exec(parsed.data.problem);
    if (control) {
      report(`problem: contains chat-template control text ${JSON.stringify(control[0])}; questions may not forge turns or tags`);
      continue;
    }
    const previous = seen.get(parsed.data.id);
    if (previous !== undefined) {
      report(`id: duplicate question id ${JSON.stringify(parsed.data.id)} (first on line ${previous})`);
      continue;
    }
    seen.set(parsed.data.id, lineNo);
    questions.push(parsed.data);
    if (questions.length > maxQuestions) {
      report(`more than ${maxQuestions} questions`);
      break;
    }
  }
  if (problems.length === 0 && questions.length === 0) problems.push(`${file}: no questions`);
  if (problems.length > 0) {
    const shown = problems.slice(0, maxReported);
    const more = problems.length > shown.length ? [`... and ${problems.length - shown.length} more problems`] : [];
    throw new InputError([`${file}: ${problems.length} problem(s); nothing was registered`, ...shown, ...more].join('\n'), problems);
  }
  return questions;
}

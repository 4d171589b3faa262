import { InputError, Question, describeIssues } from '@rft/contracts';
import { normaliseQuestionId, questionIdKey, questionProblems } from './question-rules.ts';

export interface QuestionFileLimits {
  /** A longer line is refused before it is parsed. @defaultValue 8 MiB */
  maxLineBytes: number;
  /** @defaultValue 2,000,000 */
  maxQuestions: number;
  /** Problems listed in the error before the rest are summarized. @defaultValue 20 */
  maxReported: number;
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
  const seen = new Map<string, { id: string; line: number }>();
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
    const rules = questionProblems(parsed.data);
    if (rules.length > 0) {
      for (const problem of rules) report(problem);
      continue;
    }
    const id = normaliseQuestionId(parsed.data.id);
    const key = questionIdKey(id);
    const previous = seen.get(key);
    if (previous !== undefined) {
      const same = previous.id === id;
      report(
        same
          ? `id: duplicate question id ${JSON.stringify(id)} (first on line ${previous.line})`
          : `id: ${JSON.stringify(parsed.data.id)} collides with ${JSON.stringify(previous.id)} on line ${previous.line} (ids are compared after Unicode NFC normalisation and trimming, ignoring case)`,
      );
      continue;
    }
    seen.set(key, { id, line: lineNo });
    questions.push({ ...parsed.data, id });
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

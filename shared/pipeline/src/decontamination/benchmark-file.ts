import { InputError, parseOrThrow, Question } from '@rft/contracts';

/**
 * Reads a benchmark file: JSONL, one Question per line (the same format as a campaign's
 * questions, so a benchmark can also be sampled by an eval step). Every bad line is reported at
 * once as `file:line: problem`; a question id used twice is refused.
 */
export function parseBenchmarkFile(text: string, file: string): Question[] {
  const questions: Question[] = [];
  const problems: string[] = [];
  const firstLine = new Map<string, number>();
  text.split('\n').forEach((line, i) => {
    const where = `${file}:${i + 1}`;
    if (line.trim() === '') return;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch (error) {
      problems.push(`${where}: invalid JSON: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    try {
      const question = parseOrThrow(Question, raw, where);
      const earlier = firstLine.get(question.id);
      if (earlier !== undefined) problems.push(`${where}: id ${JSON.stringify(question.id)} is also on line ${earlier}`);
      else firstLine.set(question.id, i + 1);
      questions.push(question);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      problems.push(...error.problems);
    }
  });
  if (problems.length) throw new InputError(problems.join('\n'), problems);
  if (questions.length === 0) throw new InputError(`${file}: a benchmark needs at least one question`);
  return questions;
}

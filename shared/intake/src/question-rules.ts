import { findChatControlText, illFormedTextProblems, textFields, type Question } from '@rft/contracts';

/** Whitespace (spaces, tabs, NBSP, ideographic space...) and invisible format characters only. */
const BLANK = /^[\s\p{Cf}]*$/u;
/** Control and invisible characters make ids that look identical but are not. */
const INVISIBLE_OR_CONTROL = /[\p{Cc}\p{Cf}]/u;

/** The id a question is stored under: NFC-normalised and trimmed. */
export const normaliseQuestionId = (id: string): string => id.normalize('NFC').trim();

/** Two ids that are equal under this key are one question: NFC, trimmed, case-insensitive. */
export const questionIdKey = (id: string): string => normaliseQuestionId(id).toLowerCase();

const codePoint = (char: string) => `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/** Problems of one text value wherever it appears: encoding, and chat control text (also NFKC look-alikes). */
export function textProblems(value: unknown, path = ''): string[] {
  const encoding = illFormedTextProblems(value, path);
  if (encoding.length) return encoding;
  const problems: string[] = [];
  for (const [field, text] of textFields(value, path)) {
    const control = findChatControlText(text);
    if (control) {
      const lookAlike = !text.includes(control) ? ' (a look-alike of it, after Unicode NFKC normalisation)' : '';
      problems.push(
        `${field}: contains chat-template control text ${JSON.stringify(control)}${lookAlike}; questions may not forge turns or tags`,
      );
    }
  }
  return problems;
}

/** What is wrong with a schema-valid question beyond its shape, each as `field: problem`. */
export function questionProblems(question: Question): string[] {
  const problems = textProblems(question);
  if (problems.length) return problems;
  const id = normaliseQuestionId(question.id);
  if (id === '') problems.push('id: is blank');
  const hidden = INVISIBLE_OR_CONTROL.exec(id);
  if (hidden) problems.push(`id: contains an invisible or control character (${codePoint(hidden[0])})`);
  if (BLANK.test(question.problem)) problems.push('problem: is blank (only whitespace or invisible characters)');
  if (question.kind === 'math' && BLANK.test(question.answer)) {
    problems.push('answer: is blank (only whitespace such as spaces or NBSP); a math question needs its reference answer');
  }
  return problems;
}

import type { z } from 'zod';

/** Bad input: names where (file, line, field) and what is wrong. Never retried. */
export class InputError extends Error {
  override readonly name = 'InputError';
  readonly problems: readonly string[];
  constructor(message: string, problems: readonly string[] = [message]) {
    super(message);
    this.problems = problems;
  }
}

/** Renders zod issues as `field.path: message` lines. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.length ? issue.path.map(String).join('.') : '(root)';
    return `${path}: ${issue.message}`;
  });
}

/** Parses or throws an InputError whose lines start with `where`. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, where: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = describeIssues(result.error).map((line) => `${where}: ${line}`);
  throw new InputError(problems.join('\n'), problems);
}

import { z } from 'zod';
import { strictObject } from './strict-object.ts';

/** A stdin/stdout test or a function-call test for a code question. */
export const CodeTest = z.union([
  strictObject({ type: z.literal('stdin'), input: z.string(), output: z.string() }),
  strictObject({
    type: z.literal('functional'),
    fnName: z.string().min(1),
    args: z.array(z.unknown()),
    expected: z.unknown(),
  }),
]);
export type CodeTest = z.infer<typeof CodeTest>;

/** One line of a campaign's question file (JSONL). */
export const Question = z.discriminatedUnion('kind', [
  strictObject({
    id: z.string().min(1).max(200),
    kind: z.literal('math'),
    problem: z.string().min(1),
    answer: z.string().min(1),
    source: z.string().optional(),
  }),
  strictObject({
    id: z.string().min(1).max(200),
    kind: z.literal('code'),
    problem: z.string().min(1),
    tests: z.array(CodeTest).min(1),
    source: z.string().optional(),
  }),
]);
export type Question = z.infer<typeof Question>;

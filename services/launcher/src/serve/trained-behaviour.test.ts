import { expect, it } from 'vitest';
import { trainsToolUse } from './trained-behaviour.ts';

it('counts an example as tool use only when a trained segment is non-empty python code', () => {
  const seg = (kind: string, text: string, train: boolean) => ({ kind, text, train });
  expect(trainsToolUse({ segments: [seg('prompt', 'q', false), seg('model', 'a', true), seg('code', 'print(1)', true)] })).toBe(true);
  // Tool output and hints are masked text, never learned tool use.
  expect(trainsToolUse({ segments: [seg('model', 'a', true), seg('tool_output', '1', false), seg('hint', 'use python', false)] })).toBe(
    false,
  );
  expect(trainsToolUse({ segments: [seg('code', 'print(1)', false)] })).toBe(false);
  expect(trainsToolUse({ segments: [seg('code', '', true)] })).toBe(false);
  expect(trainsToolUse({ id: 'x', text: 'no segments' })).toBe(false);
});

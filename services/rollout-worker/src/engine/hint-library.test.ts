import type { Question } from '@rft/contracts';
import { describe, expect, it } from 'vitest';
import { continuationAfterTrigger, drawHint, HINT_PURPOSES, loadHintLibrary, validateHintLibrary } from './hint-library.ts';
import { createRandom } from '@rft/seeded-random';

describe('hint library', () => {
  const library = loadHintLibrary();
  const math: Question = { id: 'q', kind: 'math', problem: 'p', answer: '1' };
  const code: Question = { id: 'c', kind: 'code', problem: 'p', tests: [{ type: 'stdin', input: '1 2\n', output: '3\n' }] };

  it('ships the paper hints for every purpose, each ending with a python opener', () => {
    expect(library.version).toMatch(/^start-hints-v\d+$/);
    for (const purpose of HINT_PURPOSES)
      expect(
        library.hints.some((h) => h.purpose === purpose),
        purpose,
      ).toBe(true);
    for (const h of library.hints) expect(h.text).toContain('```python');
    expect(library.hints.map((h) => h.text)).toContain(
      'Wait, I can use Python to check if my approach is correct and refine it, if necessary.```python',
    );
  });

  it('draws by placement and kind, deterministically, and fills code tests', () => {
    const a = drawHint(library, 'afterTrigger', math, createRandom(3), new Set());
    const b = drawHint(library, 'afterTrigger', math, createRandom(3), new Set());
    expect(a).toEqual(b);
    expect(library.placement.afterTrigger.math).toContain(a.purpose);
    const debug = drawHint(library, 'beforeThinkEnd', code, createRandom(1), new Set());
    expect(debug.purpose).toBe('code_debug');
    expect(debug.text).toContain('tests = [["1 2\\n","3\\n"]]');
  });

  it('reads on after the trigger word the model wrote', () => {
    expect(continuationAfterTrigger('Wait, maybe using Python here is a good idea.```python', ['Wait'])).toBe(
      ' maybe using Python here is a good idea.```python',
    );
  });

  it('names every problem of an invalid library', () => {
    expect(() => validateHintLibrary({ version: '', hints: [{ id: 'x', purpose: 'nope', text: '' }], placement: {} })).toThrow(
      /version: must be a non-empty string[\s\S]*hints\.0\.purpose: must be one of[\s\S]*hints\.0\.text[\s\S]*placement\.afterTrigger\.math/,
    );
  });
});

import { InputError } from '@rft/contracts';
import { describe, expect, it } from 'vitest';
import { parseBenchmarkFile } from './benchmark-file.ts';

const line = (id: string, problem = 'What is 1 + 1?') => JSON.stringify({ id, kind: 'math', problem, answer: '2' });

describe('benchmark file', () => {
  it('reads one question per line, skipping blank lines', () => {
    expect(parseBenchmarkFile(`${line('a')}\n\n${line('b')}\n`, 'aime24.jsonl').map((q) => q.id)).toEqual(['a', 'b']);
  });

  it('reports every bad line with the file and line number', () => {
    const text = [line('a'), '{not json', JSON.stringify({ id: 'c', kind: 'math', problem: 'p' }), line('a')].join('\n');
    try {
      parseBenchmarkFile(text, 'b.jsonl');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InputError);
      const problems = (error as InputError).problems;
      expect(problems).toHaveLength(3);
      expect(problems[0]).toMatch(/^b\.jsonl:2: invalid JSON/);
      expect(problems[1]).toMatch(/^b\.jsonl:3: answer: /);
      expect(problems[2]).toBe('b.jsonl:4: id "a" is also on line 1');
    }
  });

  it('refuses an empty benchmark', () => {
    expect(() => parseBenchmarkFile('\n', 'e.jsonl')).toThrow('e.jsonl: a benchmark needs at least one question');
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { detectRepetition, tailLoop } from './repetition.ts';
import { DEFAULT_THRESHOLDS, resolveThresholds } from './thresholds.ts';

// Real prose: this repository's own contributor guide and the grader source.
const prose = readFileSync(new URL('../../../../../CONTRIBUTING.md', import.meta.url), 'utf8');
const code = readFileSync(new URL('../math/answer-parse.ts', import.meta.url), 'utf8');

describe('detectRepetition', () => {
  it('passes ordinary prose and code', () => {
    expect(detectRepetition(prose, DEFAULT_THRESHOLDS).repetitive).toBe(false);
    expect(detectRepetition(code, DEFAULT_THRESHOLDS).repetitive).toBe(false);
  });

  it('flags a sentence loop by rep-n, long n-grams and the tail loop', () => {
    const loop = `${prose}\n${'Wait, let me recompute the sum of the first terms again. '.repeat(60)}`;
    const v = detectRepetition(loop, DEFAULT_THRESHOLDS);
    expect(v.repetitive).toBe(true);
    expect(v.rules).toEqual(expect.arrayContaining(['rep_n', 'long_ngram', 'tail_loop']));
    expect(v.metrics.tailLoopPeriod).toBe('Wait, let me recompute the sum of the first terms again. '.length);
  });

  it('flags repeated lines and paragraphs even when interleaved', () => {
    const lines = Array.from({ length: 50 }, (_, i) => `step ${i}: x = ${i * 7}\nSo the total so far is unchanged from before.`).join('\n');
    expect(detectRepetition(lines, DEFAULT_THRESHOLDS).rules).toContain('repeated_line');
    const para = 'We now check the case where n is even and the remainder is zero, which we did above.';
    const paras = Array.from({ length: 12 }, (_, i) => `${para}\n\nCase ${i} gives ${i * i}.`).join('\n\n');
    expect(detectRepetition(paras, DEFAULT_THRESHOLDS).rules).toContain('repeated_paragraph');
  });

  it('flags a near-loop that only changes numbers', () => {
    const near = Array.from({ length: 80 }, (_, i) => `Wait, let me check n = ${i + 3} again: it is not a solution either.`).join(' ');
    const v = detectRepetition(`${prose}\n${near}`, DEFAULT_THRESHOLDS);
    expect(v.rules).toEqual(['masked_ngram']);
  });

  it('flags a character-level loop with no word structure', () => {
    const v = detectRepetition(`${prose}${'ab'.repeat(800)}`, DEFAULT_THRESHOLDS);
    expect(v.rules).toContain('tail_loop');
  });

  it('honours configured thresholds', () => {
    const loop = 'one two three four five six seven eight nine ten eleven twelve. '.repeat(8);
    expect(detectRepetition(loop, DEFAULT_THRESHOLDS).repetitive).toBe(true);
    const lax = resolveThresholds({ repNMax: 1, longNgramMaxCount: 1000, tailLoopMinChars: 100_000, lineMaxRepeats: 1000 });
    expect(detectRepetition(loop, lax).repetitive).toBe(false);
    expect(() => resolveThresholds({ repNMax: -1 })).toThrow(/thresholds.repNMax/);
  });

  it('scans a multi-megabyte response in bounded time', () => {
    const huge = `${prose.repeat(200)}${'x'.repeat(3_000_000)}`;
    const v = detectRepetition(huge, DEFAULT_THRESHOLDS);
    expect(v.rules).toContain('tail_loop');
    expect(v.metrics.words).toBeLessThan(DEFAULT_THRESHOLDS.scanChars);
  });
});

describe('tailLoop', () => {
  it('measures the periodic tail', () => {
    expect(tailLoop('hello world' + 'abc'.repeat(10), 100)).toEqual({ chars: 30, period: 3 });
    expect(tailLoop('no loop here at all', 100).chars).toBeLessThan(4);
  });
});

describe('line and paragraph counting at scale', () => {
  it('handles many distinct lines (the counter grows)', () => {
    const text = Array.from({ length: 20_000 }, (_, i) => `distinct line number ${i} with enough characters`).join('\n');
    const v = detectRepetition(text, DEFAULT_THRESHOLDS);
    expect(v.metrics.maxLineRepeats).toBe(1);
    expect(v.rules).not.toContain('repeated_line');
    // The same lines differ only in their numbers: a near-loop once digits are masked.
    expect(v.rules).toContain('masked_ngram');
  });
});

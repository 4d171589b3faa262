import { describe, expect, it } from 'vitest';
import { findLoop } from './repetition-guard.ts';

describe('repetition guard', () => {
  it('flags a paragraph repeated many times at the end of the text', () => {
    const intro = 'Let me think about the problem in detail. '.repeat(3);
    const block = 'Let me recompute that step. 6^4 = 1296 and 1296 mod 73 = 55.\nHmm, that does not look right, so again.\n';
    const loop = findLoop(intro + block.repeat(30));
    expect(loop).not.toBeNull();
    expect(loop!.period).toBe(block.length);
  });

  it('leaves varied enumerations, short repeats and normal prose alone', () => {
    let enumeration = '';
    let total = 0;
    for (let k = 1; k < 400; k++) {
      total += k * k;
      enumeration += `Case k = ${k}: ${k}^2 = ${k * k}, so the partial total is now ${total}.\n`;
    }
    expect(findLoop(enumeration)).toBeNull();
    expect(findLoop('x'.repeat(500))).toBeNull(); // too short to matter
    const prose = Array.from({ length: 200 }, (_, i) => `Step ${i}: we consider the ${i % 7}-th residue and check it.`).join(' ');
    expect(findLoop(prose)).toBeNull();
  });

  it('needs enough copies of a long period', () => {
    const block = 'A long paragraph with some numbers 1 2 3 that repeats only a few times. '.repeat(1) + 'x'.repeat(600);
    expect(findLoop(block.repeat(3))).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import { answerArity, compareAnswers } from './answer-compare.ts';

/** No tolerance may equate distinct exact values: decimals are rationals, closed forms run at enough precision. */
const distinct: Array<[string, string]> = [
  ['1000000', '1000000.5'],
  ['1000000', '1000000.0001'],
  ['3', '2.9999999999'],
  ['12345678901234567890', '12345678901234567891'],
  ['12345678901234567890', '12345678901234567890.5'],
  ['10^{20}+\\sqrt2', '10^{20}+\\sqrt3'],
  ['10^{300}+\\sqrt2', '10^{300}+\\sqrt3'],
  ['e^{50}', 'e^{50}+1'],
  ['\\pi \\cdot 10^{30}', '\\pi \\cdot 10^{30} + 1'],
  ['\\ln(10^{20}+1)', '\\ln(10^{20})'],
  ['e^{-200}', 'e^{-201}'],
  ['\\sqrt{2} \\cdot 10^{-40}', '\\sqrt{3} \\cdot 10^{-40}'],
  ['x+10^{20}', 'x+10^{20}+1'],
  ['(10^{20}+\\sqrt2)i', '(10^{20}+\\sqrt3)i'],
  ['0.333', '0.3333'],
  ['\\frac{1}{3}', '0.33333'],
  ['\\frac{2}{3}', '0.666666'],
];

const same: Array<[string, string]> = [
  ['(10^{300}+\\sqrt2) - 10^{300}', '\\sqrt{2}'],
  ['\\sin(\\pi)', '0'],
  ['\\tan^2(10^{15}) + 1', '\\sec^2(10^{15})'],
  ['\\frac{1}{12}', '0.0833333333333333'],
  ['\\frac{2}{3}', '0.666667'],
  ['\\pi', '3.14159'],
  ['\\sqrt{2}', '1.414214'],
  ['-\\sqrt{2}', '-1.414214'],
  ['e^{i\\pi}', '-1'],
  ['1000000', '1000000.000'],
];

describe('exactness', () => {
  it.each(distinct)('%s != %s', (a, b) => {
    expect(compareAnswers(a, b).equal).toBe(false);
    expect(compareAnswers(b, a).equal).toBe(false);
  });
  it.each(same)('%s == %s', (a, b) => {
    expect(compareAnswers(a, b).equal).toBe(true);
    expect(compareAnswers(b, a).equal).toBe(true);
  });
});

describe('notations', () => {
  it('reads scientific notation as a number, not Euler e', () => {
    for (const p of ['1.5e-3', '1.5E-3', '15e-4', '1.5 \\times 10^{-3}', '1.5\\cdot 10^{-3}', '0.15\\%'])
      expect(compareAnswers('0.0015', p), p).toMatchObject({ equal: true });
    expect(compareAnswers('1500', '1.5e3').equal).toBe(true);
    expect(compareAnswers('1500', '1.5e+3').equal).toBe(true);
    expect(compareAnswers('0.0015', '1.5e-4').equal).toBe(false);
    // Not a literal: a letter follows, or there is no exponent.
    expect(compareAnswers('2e', '2e').equal).toBe(true);
    expect(compareAnswers('2e-3', '2 \\cdot 10^{-3}').equal).toBe(true);
  });

  it('decides huge roots exactly instead of throwing', () => {
    expect(compareAnswers('10^{200}', '\\sqrt{10^{400}}')).toMatchObject({ equal: true });
    expect(compareAnswers('10^{200}+1', '\\sqrt{10^{400}}').equal).toBe(false);
    expect(() => compareAnswers('\\sqrt{10^{4000}}', '10^{2000}')).not.toThrow();
    expect(compareAnswers('\\sqrt{2 \\cdot 10^{400}}', '10^{200}').equal).toBe(false);
  });

  it('reads a percent sign on either side as a label or as a hundredth', () => {
    expect(compareAnswers('0.05', '5\\%').equal).toBe(true);
    expect(compareAnswers('5\\%', '0.05').equal).toBe(true);
    expect(compareAnswers('5', '5\\%').equal).toBe(true);
    expect(compareAnswers('5\\%', '5').equal).toBe(true);
    // Documented policy: both readings are accepted, whichever side carries the sign.
    expect(compareAnswers('0.5', '0.5\\%').equal).toBe(true);
    expect(compareAnswers('0.5\\%', '0.5').equal).toBe(true);
    expect(compareAnswers('0.5\\%', '0.005').equal).toBe(true);
    expect(compareAnswers('0.05', '50\\%').equal).toBe(false);
    expect(compareAnswers('5\\%', '0.5').equal).toBe(false);
    expect(compareAnswers('5 percent', '0.05').equal).toBe(true);
  });

  it('matches a labelled multiple-choice option against its letter', () => {
    for (const p of ['(C) 12', '(C) $12$', '\\text{(C) } 12', '\\textbf{(C)} 12', 'C) 12', 'C. 12', '(c)'])
      expect(compareAnswers('C', p), p).toMatchObject({ equal: true, method: 'choice' });
    expect(compareAnswers('C', '(D) 12').equal).toBe(false);
    expect(compareAnswers('(C) 12', 'C').equal).toBe(true);
    expect(compareAnswers('12', '(C) 12').equal).toBe(false);
  });

  it('counts the items of a list gold', () => {
    expect(answerArity('2, 3')).toBe(2);
    expect(answerArity('\\{1, 2, 3\\}')).toBe(3);
    expect(answerArity('(2, 3)')).toBe(1);
    expect(answerArity('5')).toBe(1);
  });
});

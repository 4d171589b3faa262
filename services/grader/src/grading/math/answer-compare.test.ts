import { describe, expect, it } from 'vitest';
import { compareAnswers } from './answer-compare.ts';

const equal: Array<[string, string]> = [
  ['\\frac{1}{2}', '0.5'],
  ['\\dfrac{3}{4}', '\\tfrac34'],
  ['27', '\\frac{54}{2}'],
  ['27', '3^3'],
  ['27', '27.0'],
  ['7425000', '7,425,000'],
  ['1000', '1\\,000'],
  ['11111111100', '11,\\!111,\\!111,\\!100'],
  ['90', '90^\\circ'],
  ['90', '90^{\\circ}'],
  ['15', '15\\text{ cm}^2'],
  ['125', '125 miles'],
  ['28\\%', '28'],
  ['28\\%', '0.28'],
  ['10', '10\\%'],
  ['x = 5', '5'],
  ['5', 'k = 5'],
  ['\\left(x-2\\right)\\left(x+2\\right)', '(x-2)(x+2)'],
  ['(r+5)^2', '(r+5)(r+5)'],
  ['\\tan^2(y)+1', '\\sec^2(y)'],
  ['2\\sin b \\cos a', '\\sin(a+b) - \\sin(a-b)'],
  ['\\frac{\\sqrt{3}}{3}', '\\frac{1}{\\sqrt{3}}'],
  ['3\\sqrt{13}', '\\sqrt{117}'],
  ['\\frac{9}{4}\\pi', '\\frac94\\pi'],
  ['(1, \\frac{9}{2})', '(1, 4.5)'],
  ['[0, 1)', '\\left[0,1\\right)'],
  ['(-\\infty, 2] \\cup (3, \\infty)', '(-\\infty,2]\\cup(3,+\\infty)'],
  ['\\{1, 2, 3\\}', '\\{3, 2, 1\\}'],
  ['1, 2, 3', '3, 1, 2'],
  ['1 \\pm \\sqrt{19}', '1+\\sqrt{19}, 1-\\sqrt{19}'],
  ['\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}', '\\begin{bmatrix}1&2\\\\3&4\\end{bmatrix}'],
  ['2x + 4y - 3 = 0', 'y = -\\frac{1}{2}x + \\frac{3}{4}'],
  ['x < 1', '-x > -1'],
  ['x \\le 5', '5 \\ge x'],
  ['\\text{(C)}', 'C'],
  ['\\text{Evelyn}', 'Evelyn'],
  ['204_5', '54'],
  ['\\binom{6}{2}', '15'],
  ['5!', '120'],
  ['\\frac{1}{12}', '0.0833333333333333'],
  ['918\\frac{1}{2}', '918.5'],
  ['\\infty', '\\infty'],
  ['\\frac{1}{3}', '0.\\overline{3}'],
  ['\\frac{1}{6}', '0.1\\overline{6}'],
  ['1, 2, \\dots, n', '1,2,\\dots,n'],
  ['3+4i', '4i+3'],
  ['2i', '(1+i)^2'],
  ['-i', '\\frac{1}{i}'],
  ['-1', 'e^{i\\pi}'],
  ['\\frac{1}{2}+\\frac{\\sqrt{3}}{2}i', 'e^{i\\pi/3}'],
];

const unequal: Array<[string, string]> = [
  ['5', '5.001'],
  ['\\frac{1}{2^{99}}', '\\frac{1}{2^{98}}'],
  ['\\frac{1}{2004!}', '\\frac{1}{2006!}'],
  ['1 - \\frac{1}{e}', '1 + \\frac{1}{e}'],
  ['x^2+2x+1', 'x^3+2x+1'],
  ['[0, 9)', '(0, 9)'],
  ['(3, 1)', '(1, 3)'],
  ['x < 1', 'x > -1'],
  ['x \\ge 5', 'x \\le 5'],
  ['\\sqrt{67}, -\\sqrt{85}', '\\sqrt{67}'],
  ['\\pm 2021', '2021'],
  ['odd', '\\text{oddd}'],
  ['a+3z = 0', '0'],
  ['f(x)', 'f(y)'],
  ['50', '0.5'],
  ['50', '5000'],
  ['\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}', '\\begin{pmatrix} 1 & 2 \\\\ 3 & 5 \\end{pmatrix}'],
  ['2', '\\frac{1+\\sqrt{5}}{2}'],
  ['-\\infty', '\\infty'],
  ['|x|', 'x'],
  ['\\sum_{k=1}^{10} k', '55'],
  ['\\angle A', '\\angle B'],
  ['1+i', '1-i'],
  ['2i', '(1-i)^2'],
  ['\\sqrt{x^2}', 'x'],
];

describe('compareAnswers', () => {
  it.each(equal)('%s == %s', (gold, pred) => {
    expect(compareAnswers(gold, pred)).toMatchObject({ equal: true });
    expect(compareAnswers(pred, gold).equal || gold.includes('%')).toBe(true);
  });

  it.each(unequal)('%s != %s', (gold, pred) => {
    expect(compareAnswers(gold, pred).equal).toBe(false);
    expect(compareAnswers(pred, gold).equal).toBe(false);
  });

  it('accepts an inequality gold against an interval prediction, the reverse only when configured', () => {
    expect(compareAnswers('-2 \\le x \\le 7', '[-2, 7]').equal).toBe(true);
    expect(compareAnswers('-2 \\le x \\le 7', 'x \\in [-2, 7]').equal).toBe(true);
    expect(compareAnswers('[-2, 7]', '-2 \\le x \\le 7').equal).toBe(false);
    expect(compareAnswers('[-2, 7]', '-2 \\le x \\le 7', { inequalityAsInterval: 'both' }).equal).toBe(true);
    expect(compareAnswers('-2 < x \\le 7', '[-2, 7]').equal).toBe(false);
  });

  it('matches renamed variables only when not strict', () => {
    expect(compareAnswers('f(x)', 'f(y)').equal).toBe(false);
    expect(compareAnswers('f(x)', 'f(y)', { strictVariables: false }).equal).toBe(true);
    expect(compareAnswers('x^2+1', 'y^2+1', { strictVariables: false }).equal).toBe(true);
    expect(compareAnswers('x^2+1', 'y^2+2', { strictVariables: false }).equal).toBe(false);
  });

  it('evaluates sums and products of literal matrices', () => {
    const sum = '\\begin{pmatrix}1 & 2 \\\\ 3 & 4\\end{pmatrix} + \\begin{pmatrix}5 & 6 \\\\ 7 & 8\\end{pmatrix}';
    expect(compareAnswers('\\begin{pmatrix}6 & 8 \\\\ 10 & 12\\end{pmatrix}', sum).equal).toBe(true);
    const prod = '\\begin{pmatrix}1 & 2 \\\\ 3 & 4\\end{pmatrix} \\begin{pmatrix}0 & 1 \\\\ 1 & 0\\end{pmatrix}';
    expect(compareAnswers('\\begin{pmatrix}2 & 1 \\\\ 4 & 3\\end{pmatrix}', prod).equal).toBe(true);
    expect(compareAnswers('\\begin{pmatrix}1 & 2 \\\\ 3 & 4\\end{pmatrix}', prod).equal).toBe(false);
  });

  it('keeps ordered lists ordered when configured', () => {
    expect(compareAnswers('4, 10, -2', '10, 4, -2').equal).toBe(true);
    expect(compareAnswers('4, 10, -2', '10, 4, -2', { orderedLists: true }).equal).toBe(false);
  });

  it('reads a decimal as the rounding of an exact value only at its printed precision', () => {
    expect(compareAnswers('0.000001', '0.000002').equal).toBe(false);
    expect(compareAnswers('3.1416', '\\pi').equal).toBe(false);
    expect(compareAnswers('3.1415927', '\\pi').equal).toBe(true);
    expect(compareAnswers('3.14159', '\\pi', { roundDigits: 4 }).equal).toBe(true);
  });
});

describe('bad input gets a decision with a reason', () => {
  it('refuses to decide on overflowing towers', () => {
    expect(compareAnswers('10^{10^{10}}', '10^{10^{10}}+1')).toMatchObject({ equal: false, undecided: 'not_evaluable' });
    expect(compareAnswers('2^{2^{2^{2^{2}}}}', '2^{65536}').equal).toBe(false);
  });

  it('rejects deeply nested fractions without recursing without bound', () => {
    let deep = '1';
    for (let i = 0; i < 150; i++) deep = `\\frac{1}{1+${deep}}`;
    expect(compareAnswers(deep, '1')).toMatchObject({ equal: false, undecided: 'too_long' });
    let medium = '1';
    for (let i = 0; i < 60; i++) medium = `\\frac{1}{${medium}}`;
    const r = compareAnswers(medium, '1');
    expect(r.equal === true || r.undecided === 'parse_error').toBe(true);
  });

  it('reports unbalanced braces and empty answers as parse errors', () => {
    expect(compareAnswers('\\frac{1}{2', '1/2')).toMatchObject({ equal: false, undecided: 'parse_error' });
    expect(compareAnswers('5', '   ')).toMatchObject({ equal: false, undecided: 'parse_error' });
    expect(compareAnswers('5', '}}}{{{')).toMatchObject({ equal: false });
  });

  it('bounds huge exact arithmetic', () => {
    expect(compareAnswers('(3000)!', '(3001)!').equal).toBe(false);
    expect(compareAnswers('\\binom{5000}{2500}', '\\binom{5000}{2501}').equal).toBe(false);
    expect(compareAnswers('9^{9^{9}}', '9^{387420489}').equal).toBe(false);
  });
});

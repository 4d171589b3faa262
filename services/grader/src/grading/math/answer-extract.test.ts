import { describe, expect, it } from 'vitest';
import { extractAnswer } from './answer-extract.ts';

describe('extractAnswer', () => {
  it('takes the last box, with nested braces', () => {
    expect(extractAnswer('first \\boxed{1} then \\boxed{\\frac{1}{\\sqrt{2}}}.')?.answer).toBe('\\frac{1}{\\sqrt{2}}');
    expect(extractAnswer('so \\fbox{42}')?.answer).toBe('42');
    expect(extractAnswer('so \\boxed 7.')?.answer).toBe('7');
  });

  it('merges adjacent boxes into a list, not distant ones', () => {
    expect(extractAnswer('\\boxed{1}, \\boxed{2} and \\boxed{3}')).toMatchObject({ answer: '1, 2, 3', boxes: 3 });
    expect(extractAnswer('\\boxed{1} no no no no no no no \\boxed{2}')).toMatchObject({ answer: '2', boxes: 1, distinctBoxes: 2 });
  });

  it('reads only after the last </think>', () => {
    expect(extractAnswer('<think>maybe \\boxed{3}</think>The answer is \\boxed{4}')?.answer).toBe('4');
    expect(extractAnswer('<think>maybe \\boxed{3}</think>I am not sure.')).toBeNull();
  });

  it('understands the closing sentences', () => {
    expect(extractAnswer('Final Answer: The final answer is $\\frac{3}{4}$. I hope it is correct.')?.answer).toBe('\\frac{3}{4}');
    expect(extractAnswer('Final Answer: The largest $n$ is 34.')?.answer).toBe('34');
    expect(extractAnswer('so the answer is: 12')?.answer).toBe('12');
  });

  it('prefers a closing final-answer sentence written after the last box', () => {
    expect(
      extractAnswer('so $x = \\boxed{200}$ and then ... Final Answer: The final answer is $10,455$. I hope it is correct.')?.answer,
    ).toBe('10,455');
    expect(extractAnswer('Final Answer: the final answer is 3. Then we box: \\boxed{4}')?.answer).toBe('4');
    expect(extractAnswer('Final Answer: Jane started growing Sphere 3 hours ago.')?.answer).toBe('3');
    expect(extractAnswer('The final answer is $12$ and $13$.')?.answer).toBe('12, 13');
  });

  it('has no last-number fallback unless enabled', () => {
    expect(extractAnswer('I computed 17 and then 19')).toBeNull();
    expect(extractAnswer('I computed 17 and then 19', { lastNumberFallback: true })?.answer).toBe('19');
    expect(extractAnswer('we get $x = 3$', { lastMathFallback: true })?.answer).toBe('x = 3');
    expect(extractAnswer('we get $d = 90/n$ so there are 12 of them', { lastMathFallback: true, lastNumberFallback: true })?.answer).toBe(
      '12',
    );
    expect(extractAnswer('the probability is 2/3. Done', { lastNumberFallback: true })?.answer).toBe('2/3');
  });

  it('applies configured patterns', () => {
    expect(extractAnswer('ANSWER <<7/8>>', { patterns: [/<<(.+?)>>/] })?.answer).toBe('7/8');
  });

  it('returns null on unbalanced or oversized boxes', () => {
    expect(extractAnswer('\\boxed{\\frac{1}{2}')).toBeNull();
    expect(extractAnswer(`\\boxed{${'1+'.repeat(2000)}1}`, { tailChars: 100_000 })).toBeNull();
  });
});

describe('several boxes', () => {
  it('lets the last answer win over a self-correction', () => {
    expect(extractAnswer('$\\boxed{5}$ is wrong and the answer is $\\boxed{6}$')).toMatchObject({ answer: '6', boxes: 1 });
    expect(extractAnswer('first $\\boxed{2}$, but no, $\\boxed{3}$')).toMatchObject({ answer: '3', boxes: 1 });
    expect(extractAnswer('$\\boxed{2}$. Actually, $\\boxed{3}$')).toMatchObject({ answer: '3' });
    expect(extractAnswer('\\boxed{4}, wait, \\boxed{5}')).toMatchObject({ answer: '5' });
    expect(extractAnswer('\\boxed{4}; correction: \\boxed{5}')).toMatchObject({ answer: '5' });
  });

  it('keeps a self-correction a correction even when the gold is a list of that arity', () => {
    expect(extractAnswer('first $\\boxed{2}$, but no, $\\boxed{3}$', { goldArity: 2 })).toMatchObject({ answer: '3' });
    expect(extractAnswer('$\\boxed{5}$ is wrong and the answer is $\\boxed{6}$', { goldArity: 2 })).toMatchObject({ answer: '6' });
  });

  it('joins boxes written as a list', () => {
    expect(extractAnswer('so $\\boxed{2}$ and $\\boxed{3}$')).toMatchObject({ answer: '2, 3', boxes: 2 });
    expect(extractAnswer('$\\boxed{2}$, $\\boxed{3}$')).toMatchObject({ answer: '2, 3' });
  });

  it('joins a labelled enumeration only when the gold is a list of that arity', () => {
    const text = '$x = \\boxed{2}$ and $y = \\boxed{3}$';
    expect(extractAnswer(text)).toMatchObject({ answer: '3' });
    expect(extractAnswer(text, { goldArity: 2 })).toMatchObject({ answer: '2, 3', boxes: 2 });
    expect(extractAnswer(`$z = \\boxed{1}$, ${text}`, { goldArity: 2 })).toMatchObject({ answer: '2, 3' });
    expect(extractAnswer(`$z = \\boxed{1}$, ${text}`, { goldArity: Infinity })).toMatchObject({ answer: '1, 2, 3' });
  });

  it("reads after Sky-T1's end-of-thought marker", () => {
    const t = '<|begin_of_thought|>maybe \\boxed{3}<|end_of_thought|><|begin_of_solution|>So \\boxed{4}<|end_of_solution|>';
    expect(extractAnswer(t)?.answer).toBe('4');
    expect(extractAnswer('<|begin_of_thought|>maybe \\boxed{3}<|end_of_thought|>no box here')).toBeNull();
  });
});

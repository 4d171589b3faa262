import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { demoQuestions } from './demo-questions.ts';
import { parseProblem, QUESTION_TEMPLATES } from './question-bank.ts';
import { randomFor } from './seeded-random.ts';

describe('question bank', () => {
  const questions = demoQuestions();

  it('generates at least 60 distinct questions whose text parses back to their template', () => {
    expect(questions.length).toBeGreaterThanOrEqual(60);
    expect(new Set(questions.map((q) => q.id)).size).toBe(questions.length);
    for (const q of questions) {
      const parsed = parseProblem(q.problem);
      expect(parsed, q.problem).not.toBeNull();
      expect(parsed!.template.solve(parsed!.params)).toBe(q.answer);
    }
  });

  it('writes python that prints the reference answer (and buggy variants that do not)', () => {
    const script = questions.map((q) => {
      const p = parseProblem(q.problem)!;
      return `exec(${JSON.stringify(p.template.python(p.params, 'correct'))})`;
    }).join('\n');
    const printed = execFileSync('/usr/bin/python3', ['-c', script], { encoding: 'utf8' }).trim().split('\n');
    expect(printed).toEqual(questions.map((q) => q.answer));
    const q0 = parseProblem(questions[0]!.problem)!;
    expect(() => execFileSync('/usr/bin/python3', ['-c', q0.template.python(q0.params, 'name_error')], { stdio: 'pipe' })).toThrow(/NameError/);
  });

  it('solves by hand correctly without a slip and wrongly with one', () => {
    for (const template of QUESTION_TEMPLATES) {
      const params = template.generate(randomFor('hand', template.kind));
      expect(template.hand(params, randomFor(1), false).answer).toBe(template.solve(params));
      let wrong = 0;
      for (let s = 0; s < 10; s++) if (template.hand(params, randomFor(s), true).answer !== template.solve(params)) wrong++;
      expect(wrong, template.kind).toBeGreaterThan(5);
    }
  });

  it('is deterministic', () => {
    expect(demoQuestions()).toEqual(questions);
  });
});

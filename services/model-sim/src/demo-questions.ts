import { QUESTION_TEMPLATES } from './question-bank.ts';
import { randomFor } from './seeded-random.ts';

export interface DemoQuestion {
  id: string;
  kind: 'math';
  problem: string;
  answer: string;
  source: string;
}

/** The demo question set: `perTemplate` questions of every template, deterministic for a given `seed`. */
export function demoQuestions(perTemplate = 10, seed = 2025): DemoQuestion[] {
  const out: DemoQuestion[] = [];
  for (const template of QUESTION_TEMPLATES) {
    const rng = randomFor(seed, template.kind);
    for (let i = 0; i < perTemplate; i++) {
      const params = template.generate(rng);
      out.push({
        id: `demo-${template.kind}-${String(i + 1).padStart(2, '0')}`,
        kind: 'math',
        problem: template.render(params),
        answer: template.solve(params),
        source: 'model-sim question bank',
      });
    }
  }
  return out;
}

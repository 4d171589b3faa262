/**
 * Drives an engine the way the rollout worker does: takes a question (all its samples) whenever
 * `engine.capacity()` has room for one, until told to stop.
 */
import type { Question, Recipe, Trajectory } from '@rft/contracts';
import type { RolloutEngine } from '../src/engine/index.ts';

export interface DriveResult {
  trajectories: Trajectory[];
  errors: number;
}

export function driveEngine(
  engine: RolloutEngine,
  questions: Question[],
  recipe: Recipe,
  opts: { samples: number; until: () => boolean; maxQuestions?: number },
): Promise<DriveResult> {
  const trajectories: Trajectory[] = [];
  let errors = 0;
  let next = 0;
  let active = 0;
  const signal = new AbortController().signal;
  return new Promise((resolve) => {
    const pump = (): void => {
      while (!opts.until() && (opts.maxQuestions === undefined || next < opts.maxQuestions)) {
        const { inFlight, limit } = engine.capacity();
        if (inFlight + opts.samples > limit && inFlight > 0) break;
        const q = questions[next % questions.length]!;
        const round = Math.floor(next / questions.length);
        next++;
        for (let i = 0; i < opts.samples; i++) {
          active++;
          engine
            .runSample({ campaignId: `bench-${round}`, question: q, stage: 'bench', sampleIndex: i, seed: next * 1000 + i, recipe }, signal)
            .then(
              (t) => trajectories.push(t),
              () => errors++,
            )
            .finally(() => {
              active--;
              if (active === 0 && (opts.until() || (opts.maxQuestions !== undefined && next >= opts.maxQuestions)))
                resolve({ trajectories, errors });
              else pump();
            });
        }
      }
    };
    pump();
  });
}

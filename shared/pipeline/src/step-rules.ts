import { hashString } from '@rft/seeded-random';
import type { AdmissionRule, Quotas } from './pipeline-spec.ts';

/** A question's graded samples in an earlier step: one boolean per graded sample. */
export interface GradedQuestion {
  questionId: string;
  correct: readonly boolean[];
}

export interface Admission {
  admitted: string[];
  /** Questions the rule turned away, and questions with no graded sample (never admitted: nothing is known). */
  refused: { byRule: number; ungraded: number };
}

/**
 * Applies a campaign step's admission rule to the verdicts of the step it names. `graded-wrong`:
 * no graded sample was correct (the paper runs Hint-infer only there); `graded-right`: one was.
 */
export function admitQuestions(rule: AdmissionRule, questions: Iterable<GradedQuestion>): Admission {
  const admitted: string[] = [];
  const refused = { byRule: 0, ungraded: 0 };
  for (const { questionId, correct } of questions) {
    if (correct.length === 0) {
      refused.ungraded++;
      continue;
    }
    const anyCorrect = correct.includes(true);
    if ((rule.questions === 'graded-wrong') !== anyCorrect) admitted.push(questionId);
    else refused.byRule++;
  }
  return { admitted, refused };
}

/** A selected example, by question kind. */
export interface Selected {
  questionId: string;
  kind: 'math' | 'code';
}

/**
 * Keeps at most `quotas[kind]` examples per kind (no quota: all). Which ones is decided by a
 * seeded hash of the question id, not by input order, so the cut is unbiased across sources and
 * the same seed gives the same dataset.
 */
export function applyQuotas<S extends Selected>(
  selected: readonly S[],
  quotas: Quotas | undefined,
  seed: number,
): { kept: S[]; dropped: Record<string, number> } {
  const rank = (s: S) => hashString(s.questionId, seed);
  const ordered = [...selected].sort((a, b) => rank(a) - rank(b) || (a.questionId < b.questionId ? -1 : 1));
  const taken: Record<string, number> = {};
  const dropped: Record<string, number> = {};
  const keep = new Set<S>();
  for (const item of ordered) {
    const quota = quotas?.[item.kind];
    const count = taken[item.kind] ?? 0;
    if (quota !== undefined && count >= quota) {
      dropped[item.kind] = (dropped[item.kind] ?? 0) + 1;
      continue;
    }
    taken[item.kind] = count + 1;
    keep.add(item);
  }
  // Kept examples stay in input order: quotas decide membership, not layout.
  return { kept: selected.filter((s) => keep.has(s)), dropped };
}

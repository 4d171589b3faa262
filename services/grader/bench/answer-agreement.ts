/**
 * Scores the answer-equivalence cascade against labelled (gold, prediction, equal) pairs taken from public
 * grader test suites. Each source has its own conventions; they are expressed as grader options, not special cases.
 */
import { readFileSync } from 'node:fs';
import { answerArity, compareAnswers, type CompareOptions } from '../src/grading/math/answer-compare.ts';
import { extractAnswer, type ExtractionOptions } from '../src/grading/math/answer-extract.ts';

export interface LabelledPair {
  id: string;
  gold: string;
  prediction: string;
  equal: boolean;
  prediction_is_full_response: boolean;
  gold_is_full_response?: boolean;
  tags?: string[];
  config?: { float_rounding?: number; strict?: boolean; allow_set_relation_comp?: boolean; match_types?: string[] };
}

export interface Profile {
  compare: CompareOptions;
  extraction: ExtractionOptions;
}

/**
 * Source conventions. Math-Verify extracts the last math segment or number from prose, reads `1,22` as a
 * decimal comma and compares a predicted equation by its last right-hand side; its rows' own configs
 * (`float_rounding`, `strict`, `allow_set_relation_comp`, `match_types`) are applied per row. Hendrycks treats
 * list order as significant. The grader's production defaults enable none of these.
 */
export const PROFILES: Readonly<Record<string, Profile>> = {
  'math-verify': {
    compare: { decimalComma: true, predEquationLastRhs: true },
    extraction: { lastMathFallback: true, lastNumberFallback: true },
  },
  'nemo-skills': { compare: {}, extraction: {} },
  'hendrycks-math': { compare: { orderedLists: true }, extraction: {} },
};

export interface Disagreement {
  id: string;
  gold: string;
  prediction: string;
  expected: boolean;
  got: boolean;
  detail: string;
}

export interface SourceScore {
  file: string;
  rows: number;
  agree: number;
  agreement: number;
  /** Pairs labelled unequal (after flipping known false positives) that the grader called equal. */
  falsePositives: number;
  /** Of those, pairs whose values are equal and whose label only reflects the source's extraction policy. */
  policyFalsePositives: number;
  disagreements: Disagreement[];
}

function answerOf(text: string, full: boolean, extraction: ExtractionOptions): string | null {
  if (full || /\\(?:boxed|fbox)/.test(text)) return extractAnswer(text, extraction)?.answer ?? (full ? null : text);
  return text;
}

/** The gold's boxes are all part of it (no self-corrections); the prediction's are read against the gold's arity. */
export function pairAnswers(row: LabelledPair, extraction: ExtractionOptions): { gold: string | null; pred: string | null } {
  const gold = answerOf(row.gold, row.gold_is_full_response ?? false, { ...extraction, goldArity: Infinity });
  const goldArity = gold === null ? 1 : answerArity(gold);
  return { gold, pred: answerOf(row.prediction, row.prediction_is_full_response, { ...extraction, goldArity }) };
}

export function rowOptions(row: LabelledPair, profile: Profile): CompareOptions {
  const options: CompareOptions = { ...profile.compare };
  const rounding = row.config?.float_rounding;
  if (rounding !== undefined && rounding < 6) options.roundDigits = rounding;
  if (row.config?.allow_set_relation_comp === true) options.inequalityAsInterval = 'both';
  if (row.config?.strict === false) options.strictVariables = false;
  return options;
}

/** Math-Verify's `match_types`: number extraction only with `expr`, LaTeX segments only with `latex`. */
export function rowExtraction(row: LabelledPair, profile: Profile): ExtractionOptions {
  const types = row.config?.match_types;
  if (!types) return profile.extraction;
  return {
    ...profile.extraction,
    lastMathFallback: (profile.extraction.lastMathFallback ?? false) && types.includes('latex'),
    lastNumberFallback: (profile.extraction.lastNumberFallback ?? false) && types.includes('expr'),
  };
}

export function scoreRows(file: string, rows: LabelledPair[], profile: Profile): SourceScore {
  const disagreements: Disagreement[] = [];
  let agree = 0;
  let falsePositives = 0;
  let policyFalsePositives = 0;
  for (const row of rows) {
    // Score mathematical truth: a pair the source itself marks as a known false positive is unequal.
    const expected = row.tags?.includes('known_false_positive') ? !row.equal : row.equal;
    const extraction = rowExtraction(row, profile);
    const { gold, pred } = pairAnswers(row, extraction);
    const res = gold === null || pred === null ? null : compareAnswers(gold, pred, rowOptions(row, profile));
    const got = res?.equal ?? false;
    if (got === expected) agree++;
    else {
      if (got && !expected) {
        if (row.tags?.includes('extraction_policy')) policyFalsePositives++;
        else falsePositives++;
      }
      disagreements.push({
        id: row.id,
        gold: gold ?? `<no answer in> ${row.gold.slice(0, 80)}`,
        prediction: pred ?? `<no answer in> ${row.prediction.slice(-80)}`,
        expected,
        got,
        detail: res ? `${res.method}${res.undecided ? ` (${res.undecided}${res.detail ? `: ${res.detail}` : ''})` : ''}` : 'extraction',
      });
    }
  }
  return {
    file,
    rows: rows.length,
    agree,
    agreement: rows.length ? agree / rows.length : 1,
    falsePositives,
    policyFalsePositives,
    disagreements,
  };
}

export function loadRows(path: string): LabelledPair[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as LabelledPair);
}

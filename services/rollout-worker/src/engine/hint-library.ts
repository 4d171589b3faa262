/**
 * The versioned hint library: hints keyed by purpose, and which purposes apply where (after a
 * trigger word, before the end of thinking) per question kind. Loaded from a JSON file in
 * services/rollout-worker/hints/; the trajectory records the library version and hint id.
 */
import { readFileSync } from 'node:fs';
import type { Question } from '@rft/contracts';
import type { Random } from './seeded-random.ts';

export const HINT_PURPOSES = ['complex_calculation', 'self_reflection', 'logic_check', 'alternative_method', 'explore_deeply', 'general', 'code_debug'] as const;
export type HintPurpose = (typeof HINT_PURPOSES)[number];
export type HintPlacement = 'afterTrigger' | 'beforeThinkEnd';
type QuestionKind = Question['kind'];

export interface Hint {
  id: string;
  purpose: HintPurpose;
  text: string;
  kinds?: QuestionKind[];
}

export interface HintLibrary {
  version: string;
  hints: Hint[];
  placement: Record<HintPlacement, Record<QuestionKind, HintPurpose[]>>;
}

export const DEFAULT_HINT_LIBRARY_PATH = new URL('../../hints/hint-library.v1.json', import.meta.url).pathname;

export function loadHintLibrary(path: string = DEFAULT_HINT_LIBRARY_PATH): HintLibrary {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`hint library ${path}: ${(error as Error).message}`);
  }
  return validateHintLibrary(raw, path);
}

export function validateHintLibrary(raw: unknown, where = 'hint library'): HintLibrary {
  const problems: string[] = [];
  const lib = raw as Partial<HintLibrary>;
  if (typeof lib?.version !== 'string' || lib.version === '') problems.push('version: must be a non-empty string');
  if (!Array.isArray(lib?.hints) || lib.hints.length === 0) problems.push('hints: must be a non-empty list');
  const ids = new Set<string>();
  (lib?.hints ?? []).forEach((h, i) => {
    if (typeof h?.id !== 'string' || h.id === '') problems.push(`hints.${i}.id: must be a non-empty string`);
    else if (ids.has(h.id)) problems.push(`hints.${i}.id: duplicate id "${h.id}"`);
    else ids.add(h.id);
    if (!HINT_PURPOSES.includes(h?.purpose)) problems.push(`hints.${i}.purpose: must be one of ${HINT_PURPOSES.join(', ')}, got ${JSON.stringify(h?.purpose)}`);
    if (typeof h?.text !== 'string' || h.text.trim() === '') problems.push(`hints.${i}.text: must be a non-empty string`);
  });
  for (const placement of ['afterTrigger', 'beforeThinkEnd'] as const) {
    for (const kind of ['math', 'code'] as const) {
      const purposes = lib?.placement?.[placement]?.[kind];
      if (!Array.isArray(purposes) || purposes.length === 0) {
        problems.push(`placement.${placement}.${kind}: must be a non-empty list of purposes`);
        continue;
      }
      for (const p of purposes) {
        if (!HINT_PURPOSES.includes(p)) problems.push(`placement.${placement}.${kind}: unknown purpose ${JSON.stringify(p)}`);
        else if (!(lib.hints ?? []).some((h) => h.purpose === p)) problems.push(`placement.${placement}.${kind}: no hint has purpose "${p}"`);
      }
    }
  }
  if (problems.length) throw new Error(`${where} is invalid:\n${problems.join('\n')}`);
  return lib as HintLibrary;
}

/** Draws a hint for a placement, preferring ids not used yet in this trajectory. */
export function drawHint(library: HintLibrary, placement: HintPlacement, question: Question, rng: Random, used: ReadonlySet<string>): Hint {
  const purposes = library.placement[placement][question.kind];
  const purpose = rng.pick(purposes);
  const candidates = library.hints.filter((h) => h.purpose === purpose && (!h.kinds || h.kinds.includes(question.kind)));
  const fresh = candidates.filter((h) => !used.has(h.id));
  const hint = rng.pick(fresh.length ? fresh : candidates.length ? candidates : library.hints);
  return { ...hint, text: fillTests(hint.text, question) };
}

function fillTests(text: string, question: Question): string {
  if (!text.includes('{tests}')) return text;
  const tests = question.kind === 'code'
    ? question.tests.filter((t) => t.type === 'stdin').slice(0, 3).map((t) => [t.input, t.output])
    : [];
  return text.replace('{tests}', JSON.stringify(tests));
}

/**
 * The text inserted right after a trigger word the model wrote ("Wait,"): the hint without its own
 * leading reflection word, so the sentence reads on.
 */
export function continuationAfterTrigger(hintText: string, triggerWords: readonly string[]): string {
  for (const word of triggerWords) {
    const m = new RegExp(`^${word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[,.:!]?\\s*`).exec(hintText);
    if (m) return ' ' + hintText.slice(m[0].length);
  }
  return ' ' + hintText;
}

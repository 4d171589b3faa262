import { MODEL_PROFILES, DEFAULT_MODEL_PROFILE, type ModelProfileName, type Trajectory } from '@rft/contracts';
import type { MaskedSegment } from './token-alignment.ts';

/** Why an EOS-ended row cannot teach the model to stop. */
export type EndOfTurnProblem = 'end_of_turn_missing' | 'end_of_turn_repeated' | 'unknown_model_profile';

/**
 * The end-of-turn text a trajectory must end with: the one it recorded, else its profile's (a
 * trajectory without a profile was generated with the default one). Null for an unknown profile.
 */
export function expectedEndOfTurn(trajectory: Pick<Trajectory, 'endOfTurn' | 'modelProfile'>): string | null {
  if (trajectory.endOfTurn) return trajectory.endOfTurn;
  const name = trajectory.modelProfile ?? DEFAULT_MODEL_PROFILE;
  return Object.hasOwn(MODEL_PROFILES, name) ? MODEL_PROFILES[name as ModelProfileName].endOfTurn : null;
}

function occurrences(text: string, needle: string): number {
  let n = 0;
  for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length)) n++;
  return n;
}

/**
 * A row that ended on EOS trains the model to stop only if its response holds the end-of-turn token
 * exactly once, at the very end, inside a trained segment (so every export trains it). Rows that did
 * not end on EOS are cut samples and carry no end-of-turn token; they are not checked here.
 */
export function checkEndOfTurn(
  trajectory: Pick<Trajectory, 'end' | 'endOfTurn' | 'modelProfile'>,
  segments: readonly MaskedSegment[],
): EndOfTurnProblem | null {
  if (trajectory.end !== 'eos') return null;
  const eot = expectedEndOfTurn(trajectory);
  if (eot === null) return 'unknown_model_profile';
  const last = segments.at(-1);
  if (!last?.train || !last.text.endsWith(eot)) return 'end_of_turn_missing';
  let count = 0;
  for (const s of segments) if (s.kind !== 'prompt' && s.kind !== 'system') count += occurrences(s.text, eot);
  return count === 1 ? null : 'end_of_turn_repeated';
}

import type { Trajectory } from '@rft/contracts';

export type TruncationCause = 'token_budget' | 'finish_length' | 'repetition_abort' | 'unclosed_think';

/** Why a trajectory is incomplete, or null when it ended normally. */
export function detectTruncation(trajectory: Pick<Trajectory, 'end' | 'turns'>, text: string): TruncationCause | null {
  if (trajectory.end === 'token_budget') return 'token_budget';
  if (trajectory.end === 'repetition_abort') return 'repetition_abort';
  const last = trajectory.turns.at(-1);
  if (last && last.finishReason === 'length') return 'finish_length';
  // A thinking model that opened <think> must close it before answering.
  const open = text.lastIndexOf('<think>');
  if (open >= 0 && text.indexOf('</think>', open) < 0) return 'unclosed_think';
  return null;
}

import type { Trajectory } from '@rft/contracts';

export type TruncationCause = 'token_budget' | 'finish_length' | 'repetition_abort' | 'unclosed_think';

export interface TruncationOptions {
  /**
   * Whether the answer must follow a closing `</think>`. `auto` (default): required when the response or the
   * prompt (chat templates often open the think block in the prompt) contains `<think>`.
   */
  requireThinkClose?: boolean | 'auto';
}

/** Why a trajectory is incomplete, or null when it ended normally. */
export function detectTruncation(
  trajectory: Pick<Trajectory, 'end' | 'turns' | 'segments'>,
  text: string,
  options: TruncationOptions = {},
): TruncationCause | null {
  if (trajectory.end === 'token_budget') return 'token_budget';
  if (trajectory.end === 'repetition_abort') return 'repetition_abort';
  const last = trajectory.turns.at(-1);
  if (last && last.finishReason === 'length') return 'finish_length';
  const mode = options.requireThinkClose ?? 'auto';
  const required =
    mode === 'auto'
      ? text.includes('<think>') ||
        trajectory.segments.some((s) => (s.kind === 'prompt' || s.kind === 'system') && s.text.includes('<think>'))
      : mode;
  // Sky-T1 style markers: an opened thought must be closed, whatever the think-tag setting.
  const skyOpen = text.lastIndexOf('<|begin_of_thought|>');
  if (skyOpen >= 0 && text.lastIndexOf('<|end_of_thought|>') < skyOpen) return 'unclosed_think';
  if (!required) return null;
  // The thinking must be closed, and closed after it was (last) opened.
  const close = text.lastIndexOf('</think>');
  if (close < 0 || text.lastIndexOf('<think>') > close) return 'unclosed_think';
  return null;
}

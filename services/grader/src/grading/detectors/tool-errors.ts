import type { Segment } from '@rft/contracts';

export interface ToolCallReport {
  toolCalls: number;
  toolErrors: number;
  /** The last tool output failed (traceback, timeout, cut output, non-ok status). */
  lastFailed: boolean;
  /** A code segment was never answered by a tool output. */
  unfinishedCall: boolean;
  lastError: string | null;
}

const ERROR_PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [/Traceback \(most recent call last\)/, 'traceback'],
  [/\b(?:Timed out|TimeoutError|timed out after)\b/i, 'timeout'],
  [/<output cut>|\[output truncated\]|\.\.\.\s*\(output truncated\)/i, 'output_cut'],
  [/^\s*(?:[A-Z][A-Za-z]*Error|Exception)(?::|\s*$)/m, 'exception'],
  [/\bMemoryError\b|\bKilled\b/, 'memory'],
];

function toolFailure(seg: Segment): string | null {
  const status = seg.meta?.['status'];
  if (typeof status === 'string' && status !== 'ok') return `status_${status}`;
  if (seg.meta?.['truncated'] === true) return 'output_cut';
  for (const [re, why] of ERROR_PATTERNS) if (re.test(seg.text.length > 20_000 ? seg.text.slice(-20_000) : seg.text)) return why;
  return null;
}

/** Tool-call health of a trajectory, from its `code` and `tool_output` segments. */
export function inspectToolCalls(segments: readonly Segment[]): ToolCallReport {
  let toolCalls = 0;
  let toolErrors = 0;
  let lastFailed = false;
  let lastError: string | null = null;
  let pendingCall = false;
  for (const seg of segments) {
    if (seg.kind === 'code') {
      toolCalls++;
      pendingCall = true;
    } else if (seg.kind === 'tool_output') {
      pendingCall = false;
      const why = toolFailure(seg);
      lastFailed = why !== null;
      if (why) {
        toolErrors++;
        lastError = why;
      }
    }
  }
  return { toolCalls, toolErrors, lastFailed, unfinishedCall: pendingCall, lastError };
}

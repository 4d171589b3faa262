import type { Segment } from '@rft/contracts';

export interface ToolCallReport {
  /** Code blocks sent as tool calls (including ones skipped at the tool cap). */
  toolCalls: number;
  toolErrors: number;
  /** The last executed tool output failed (traceback, timeout, cut output, non-ok status). */
  lastFailed: boolean;
  /** A code segment was never answered by a tool output (nor by the tool-cap notice). */
  unfinishedCall: boolean;
  lastError: string | null;
  /** The code block whose output failed last (null when the last executed output succeeded). */
  lastFailedCode: string | null;
  /** The last failed output is an `EOFError`: the program read standard input, which a tool run does not give. */
  lastFailedOnEof: boolean;
  /** Blocks answered by the tool-cap notice instead of being run (the cap was reached: not an error). */
  skippedAtCap: number;
  /** Code blocks written after the end of thinking: answer text, not tool calls (graded by the tests). */
  answerBlocks: number;
}

const ERROR_PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [/Traceback \(most recent call last\)/, 'traceback'],
  [/\b(?:Timed out|TimeoutError|timed out after)\b/i, 'timeout'],
  [/<output cut>|\[output truncated\]|\.\.\.\s*\(output truncated\)/i, 'output_cut'],
  [/^\s*(?:[A-Z][A-Za-z]*Error|Exception)(?::|\s*$)/m, 'exception'],
  [/\bMemoryError\b|\bKilled\b/, 'memory'],
];

/** Python's error when `input()` (or a read of `sys.stdin` that requires a line) finds no input. */
const EOF_ON_INPUT = /^\s*EOFError\b/m;

function toolFailure(seg: Segment): string | null {
  const status = seg.meta?.['status'];
  if (typeof status === 'string' && status !== 'ok') return `status_${status}`;
  if (seg.meta?.['truncated'] === true) return 'output_cut';
  for (const [re, why] of ERROR_PATTERNS) if (re.test(seg.text.length > 20_000 ? seg.text.slice(-20_000) : seg.text)) return why;
  return null;
}

/** Ends of thinking after which a code block is answer text. */
const THINK_END = /<\/think>|<\|end_of_thought\|>/;

/**
 * The engine's answer to a block past the tool cap: a `tool_output` (older trajectories: a `system` segment)
 * with meta `notice: 'tool_limit'`, or, without meta, its wording.
 */
function isToolLimitNotice(seg: Segment): boolean {
  if (seg.kind !== 'tool_output' && seg.kind !== 'system') return false;
  if (seg.meta?.['notice'] === 'tool_limit') return true;
  return (
    seg.kind === 'tool_output' &&
    /^\s*(?:```[ \t]*output\s*)?Code execution skipped: the limit of \d+ tool calls is reached\b/.test(seg.text)
  );
}

/** Tool-call health of a trajectory, from its `code` and `tool_output` segments. */
export function inspectToolCalls(segments: readonly Segment[]): ToolCallReport {
  let toolCalls = 0;
  let toolErrors = 0;
  let lastFailed = false;
  let lastError: string | null = null;
  let lastFailedCode: string | null = null;
  let lastFailedOnEof = false;
  let lastCallCode: string | null = null;
  let pendingCall = false;
  let skippedAtCap = 0;
  let answerBlocks = 0;
  let answering = false;
  let answerOutput = false;
  for (const seg of segments) {
    if (seg.kind === 'model' && THINK_END.test(seg.text)) answering = true;
    if (seg.kind === 'code') {
      if (answering) {
        // Final-answer code: the tests grade it; an output an older engine produced for it is not a tool result.
        answerBlocks++;
        answerOutput = true;
        continue;
      }
      toolCalls++;
      pendingCall = true;
      lastCallCode = seg.text;
    } else if (isToolLimitNotice(seg)) {
      if (pendingCall) skippedAtCap++;
      pendingCall = false;
      answerOutput = false;
    } else if (seg.kind === 'tool_output') {
      if (answerOutput) {
        answerOutput = false;
        continue;
      }
      pendingCall = false;
      const why = toolFailure(seg);
      lastFailed = why !== null;
      lastFailedCode = why ? lastCallCode : null;
      lastFailedOnEof = why !== null && EOF_ON_INPUT.test(seg.text.slice(-20_000));
      if (why) {
        toolErrors++;
        lastError = why;
      }
    }
  }
  return {
    toolCalls,
    toolErrors,
    lastFailed,
    unfinishedCall: pendingCall,
    lastError,
    lastFailedCode,
    lastFailedOnEof,
    skippedAtCap,
    answerBlocks,
  };
}

/**
 * Real reasoning-model outputs kept beside the repository (`../shared/benchmarks/real-traces/traces.jsonl`,
 * or `$RFT_SHARED_DIR/benchmarks/real-traces/`), never inside it: verbatim responses of Sky-T1 checkpoints,
 * DeepSeek-R1 and ToRA, each with its source and notes. These helpers load them, classify each response from
 * its notes (finished or cut off at the length limit, marked as a verbatim loop, graded correct by its
 * source), and measure the repetition detector on them beside synthetic degenerate loops.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Segment } from '@rft/contracts';
import { DEFAULT_THRESHOLDS, detectRepetition, type DetectorThresholds } from '@rft/grader/grading';
import { sharedBenchmarkDir } from '../../services/grader/bench/shared-benchmarks.ts';
import { degenerate, reasoning, rng, type Degeneration } from '../../services/grader/bench/synthetic-trajectories.ts';
import { z } from 'zod';

export const REAL_TRACES_FILE = 'traces.jsonl';

const RawTrace = z.object({
  id: z.string().min(1),
  model: z.string(),
  kind: z.enum(['math', 'code']),
  question: z.string(),
  reference_answer: z.string().nullable(),
  response: z.string().min(1),
  has_tool_calls: z.boolean(),
  notes: z.string(),
});

export interface RealTrace {
  id: string;
  model: string;
  kind: 'math' | 'code';
  referenceAnswer: string | null;
  response: string;
  /** The model reached its own end (not cut at the length limit, not looping until cut). */
  finished: boolean;
  /** The notes mark a verbatim loop that runs until the length limit. */
  markedLoop: boolean;
  /** The source's own grading: true / false, or null where it has none (agent turns). */
  sourceCorrect: boolean | null;
}

/** Where the traces are, or null with the path that was looked at. */
export function realTracesLocation(): { dir: string | null; looked: string } {
  return sharedBenchmarkDir('real-traces');
}

function sourceCorrect(notes: string): boolean | null {
  const score = /score=(True|False)/.exec(notes);
  if (score) return score[1] === 'True';
  const tora = /source pred='([^']*)', gt='([^']*)'/.exec(notes);
  if (tora) return tora[1] === tora[2];
  return null;
}

/** Parses `traces.jsonl`; a malformed line fails with its line number and field. */
export function loadRealTraces(dir: string): RealTrace[] {
  const lines = readFileSync(join(dir, REAL_TRACES_FILE), 'utf8').split('\n');
  const traces: RealTrace[] = [];
  for (const [i, line] of lines.entries()) {
    if (line.trim() === '') continue;
    const parsed = RawTrace.safeParse(JSON.parse(line));
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new Error(`${REAL_TRACES_FILE}:${i + 1}: ${issue.path.join('.')}: ${issue.message}`);
    }
    const t = parsed.data;
    const cutOff = /text stops mid-stream/.test(t.notes);
    const markedLoop = /loops verbatim until it is cut off/.test(t.notes);
    traces.push({
      id: t.id,
      model: t.model,
      kind: t.kind,
      referenceAnswer: t.reference_answer,
      response: t.response,
      finished: !cutOff && !markedLoop,
      markedLoop,
      sourceCorrect: sourceCorrect(t.notes),
    });
  }
  return traces;
}

/**
 * The response as trajectory segments: the model's text, and (ToRA) the ```` ```output ```` blocks the
 * harness inserted as tool output, which the grader leaves out of the repetition check.
 */
export function traceSegments(trace: Pick<RealTrace, 'response'>): Segment[] {
  const segments: Segment[] = [];
  let at = 0;
  for (const m of trace.response.matchAll(/```output\n[\s\S]*?```\n?/g)) {
    if (m.index > at) segments.push({ kind: 'model', text: trace.response.slice(at, m.index) });
    segments.push({ kind: 'tool_output', text: m[0] });
    at = m.index + m[0].length;
  }
  if (at < trace.response.length) segments.push({ kind: 'model', text: trace.response.slice(at) });
  return segments;
}

/** What the grader runs the repetition detector on: the model-written segments, joined. */
function modelText(segments: readonly Segment[]): string {
  return segments
    .filter((s) => s.kind === 'model' || s.kind === 'code')
    .map((s) => s.text)
    .join('');
}

export interface DetectionCount {
  total: number;
  /** Ids the detector flagged (for finished traces: wrongly; for loops: rightly). */
  flagged: string[];
}

export interface RealTraceRepetitionReport {
  /** Every finished trace: none should be flagged. */
  finished: DetectionCount;
  /** The finished traces the source graded correct: the samples a false positive would lose. */
  finishedCorrect: DetectionCount;
  /** Traces marked as verbatim loops: all should be flagged. */
  markedLoops: DetectionCount;
  /** Per finished trace, its metrics' closeness to each threshold (1 = at the threshold). */
  worstMargin: { rule: string; id: string; ratio: number };
}

export function repetitionOnRealTraces(
  traces: readonly RealTrace[],
  thresholds: DetectorThresholds = DEFAULT_THRESHOLDS,
): RealTraceRepetitionReport {
  const finished: DetectionCount = { total: 0, flagged: [] };
  const finishedCorrect: DetectionCount = { total: 0, flagged: [] };
  const markedLoops: DetectionCount = { total: 0, flagged: [] };
  let worstMargin = { rule: 'none', id: '', ratio: 0 };
  for (const trace of traces) {
    const verdict = detectRepetition(modelText(traceSegments(trace)), thresholds);
    const counts = trace.finished ? [finished, ...(trace.sourceCorrect === true ? [finishedCorrect] : [])] : [];
    if (trace.markedLoop) counts.push(markedLoops);
    for (const c of counts) {
      c.total++;
      if (verdict.repetitive) c.flagged.push(trace.id);
    }
    if (!trace.finished) continue;
    const m = verdict.metrics;
    const ratios: Array<[string, number]> = [
      ['rep_n', m.repN / thresholds.repNMax],
      ['long_ngram', m.maxLongNgramCount / thresholds.longNgramMaxCount],
      ['masked_ngram', m.maxMaskedNgramCount / thresholds.maskedNgramMaxCount],
      ['repeated_line', m.maxLineRepeats / thresholds.lineMaxRepeats],
      ['repeated_paragraph', m.maxParagraphRepeats / thresholds.paragraphMaxRepeats],
      ['tail_loop', m.tailLoopChars / thresholds.tailLoopMinChars],
    ];
    for (const [rule, ratio] of ratios) if (ratio > worstMargin.ratio) worstMargin = { rule, id: trace.id, ratio };
  }
  return { finished, finishedCorrect, markedLoops, worstMargin };
}

/** The degenerations the synthetic generator injects (every kind but none). */
export const SYNTHETIC_LOOP_KINDS: readonly Exclude<Degeneration, 'none'>[] = [
  'sentence_loop',
  'paragraph_loop',
  'line_loop',
  'char_loop',
  'near_loop',
];

/**
 * Synthetic degenerate responses of every kind, `perKind` seeds each, `chars` characters long: ordinary
 * reasoning whose second half is a loop running to the end, as the marked real loops do (they repeat until
 * the length limit). How many the detector catches.
 */
export function syntheticLoopDetection(
  perKind: number,
  chars = 12_000,
  thresholds: DetectorThresholds = DEFAULT_THRESHOLDS,
): { total: number; caught: number; missed: string[] } {
  let total = 0;
  let caught = 0;
  const missed: string[] = [];
  for (const kind of SYNTHETIC_LOOP_KINDS) {
    for (let seed = 1; seed <= perKind; seed++) {
      const r = rng(seed * 7919);
      const text = `${reasoning(r, chars / 2)}\n\n${degenerate(r, kind, chars / 2)}`;
      total++;
      if (detectRepetition(text, thresholds).repetitive) caught++;
      else missed.push(`${kind}#${seed}`);
    }
  }
  return { total, caught, missed };
}

/** One line per measure, e.g. `finished real traces flagged: 0/49`. */
export function formatRepetitionReport(real: RealTraceRepetitionReport, synthetic: { total: number; caught: number }): string {
  const pct = (a: number, b: number) => (b === 0 ? 'n/a' : `${((100 * a) / b).toFixed(1)}%`);
  return [
    `finished real traces flagged: ${real.finished.flagged.length}/${real.finished.total}${real.finished.flagged.length ? ` (${real.finished.flagged.join(', ')})` : ''}`,
    `finished correct real traces flagged: ${real.finishedCorrect.flagged.length}/${real.finishedCorrect.total}`,
    `marked real loops caught: ${real.markedLoops.flagged.length}/${real.markedLoops.total}`,
    `closest finished trace to a threshold: ${real.worstMargin.id} at ${(100 * real.worstMargin.ratio).toFixed(0)}% of ${real.worstMargin.rule}`,
    `synthetic loops caught: ${synthetic.caught}/${synthetic.total} (${pct(synthetic.caught, synthetic.total)})`,
  ].join('\n');
}

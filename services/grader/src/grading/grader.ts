import {
  MODEL_PROFILES,
  type ModelProfileName,
  Question,
  responseText,
  TRAINED_SEGMENT_KINDS,
  Trajectory,
  type PythonRunner,
  type RejectReason,
  type Verdict,
} from '@rft/contracts';
import { answerRunWithoutInput } from './code/answer-run.ts';
import { extractFinalCode } from './code/code-extract.ts';
import { gradeCode, type CodeGradeOptions } from './code/code-grade.ts';
import { detectRepetition } from './detectors/repetition.ts';
import { resolveThresholds, type DetectorThresholds } from './detectors/thresholds.ts';
import { detectInventedOutput } from './detectors/invented-output.ts';
import { inspectToolCalls } from './detectors/tool-errors.ts';
import { detectTruncation, type TruncationOptions } from './detectors/truncation.ts';
import { answerArity, type CompareOptions } from './math/answer-compare.ts';
import { extractAnswer, type ExtractionOptions } from './math/answer-extract.ts';
import { createComparePool } from './math/compare-pool.ts';

/** Bumped whenever a verdict for the same input could change. */
export const GRADER_VERSION = 'grader-2026.12.05-3';

export interface GraderDeps {
  runner: PythonRunner;
  equivalence?: {
    workers?: number;
    timeoutMs?: number;
    compare?: CompareOptions;
    extraction?: ExtractionOptions;
    /** Alternative compare worker script (tests and diagnostics). */
    workerUrl?: URL;
  };
  thresholds?: Partial<DetectorThresholds>;
  code?: CodeGradeOptions;
  truncation?: TruncationOptions;
}

export interface Grader {
  grade(input: { question: Question; trajectory: Trajectory }): Promise<Verdict>;
  close(): Promise<void>;
}

/** Responses are graded on at most this many characters (the tail); longer ones are flagged in metrics. */
const MAX_GRADED_CHARS = 1_048_576;

/** The gold answer itself may be written as a boxed solution; all its boxes belong to it. */
function goldAnswer(answer: string): string {
  return /\\(?:boxed|fbox)/.test(answer) ? (extractAnswer(answer, { tailChars: Infinity, goldArity: Infinity })?.answer ?? answer) : answer;
}

/**
 * What the model itself wrote (its text and code), where answers are looked for. Tool output, hints and the
 * prompt are left out: a `\boxed{}` printed by a tool or quoted in a hint is never the model's answer. A
 * blank line stands where a left-out segment was, so text on either side of it never reads as adjacent.
 */
export function modelWrittenText(segments: Trajectory['segments']): string {
  let out = '';
  let skipped = false;
  for (const s of segments) {
    if (!TRAINED_SEGMENT_KINDS.has(s.kind)) {
      skipped = out !== '';
      continue;
    }
    if (skipped) out += '\n\n';
    skipped = false;
    out += s.text;
  }
  return out;
}

/** The segments that may hold the answer: the stored end-of-turn token is a control token, not the model's words. */
function answerSegments(segments: Trajectory['segments']): Trajectory['segments'] {
  return segments.filter((s) => s.meta?.['endOfTurn'] !== true);
}

/** The text without end-of-turn / EOS texts at its end (older trajectories kept the server's echo in the model text). */
function withoutEndOfTurn(text: string, trajectory: Trajectory): string {
  const profile =
    trajectory.modelProfile && Object.hasOwn(MODEL_PROFILES, trajectory.modelProfile)
      ? MODEL_PROFILES[trajectory.modelProfile as ModelProfileName]
      : null;
  const tokens = [...new Set([...(trajectory.endOfTurn ? [trajectory.endOfTurn] : []), ...(profile?.eosTokens ?? [])])];
  let out = text.trimEnd();
  for (let eos = tokens.find((t) => out.endsWith(t)); eos; eos = tokens.find((t) => out.endsWith(t))) {
    out = out.slice(0, out.length - eos.length).trimEnd();
  }
  return out;
}

/** Thrown for malformed input objects (a programming error upstream, not a property of the sample). */
export class InvalidGradeInputError extends Error {
  override name = 'InvalidGradeInputError';
}

function validateInput(input: { question: unknown; trajectory: unknown }): { question: Question; trajectory: Trajectory } {
  const q = Question.safeParse(input?.question);
  if (!q.success)
    throw new InvalidGradeInputError(`question: ${q.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  const t = Trajectory.safeParse(input?.trajectory);
  if (!t.success)
    throw new InvalidGradeInputError(
      `trajectory: ${t.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
  if (t.data.questionId !== q.data.id)
    throw new InvalidGradeInputError(
      `trajectory.questionId: ${JSON.stringify(t.data.questionId)} does not match question.id ${JSON.stringify(q.data.id)}`,
    );
  return { question: q.data, trajectory: t.data };
}

export function createGrader(deps: GraderDeps): Grader {
  const thresholds = resolveThresholds(deps.thresholds);
  const pool = createComparePool({
    workers: deps.equivalence?.workers,
    timeoutMs: deps.equivalence?.timeoutMs,
    workerUrl: deps.equivalence?.workerUrl,
  });
  const compareOptions = deps.equivalence?.compare ?? {};
  const extraction = deps.equivalence?.extraction ?? {};

  async function grade(input: { question: Question; trajectory: Trajectory }): Promise<Verdict> {
    const started = performance.now();
    const { question, trajectory } = validateInput(input);
    const reasons = new Set<RejectReason>();
    const metrics: Record<string, unknown> = { kind: question.kind };
    const done = (correct: boolean): Verdict => {
      metrics['gradeMs'] = Math.round((performance.now() - started) * 100) / 100;
      const list = [...reasons];
      return { correct, eligible: correct && list.length === 0, reasons: list, metrics, graderVersion: GRADER_VERSION };
    };
    if (trajectory.end === 'error') {
      reasons.add('generation_error');
      metrics['error'] = trajectory.error ?? 'unknown';
      return done(false);
    }
    let text = responseText(trajectory.segments);
    metrics['responseChars'] = text.length;
    if (!text.isWellFormed()) {
      metrics['illFormedUnicode'] = true;
      text = text.toWellFormed();
    }
    if (text.length > MAX_GRADED_CHARS) {
      metrics['gradedTailChars'] = MAX_GRADED_CHARS;
      text = text.slice(-MAX_GRADED_CHARS);
    }
    if (text.trim() === '') {
      reasons.add('no_answer');
      metrics['empty'] = true;
      return done(false);
    }

    const truncation = detectTruncation(trajectory, text, deps.truncation);
    if (truncation) {
      reasons.add(truncation === 'repetition_abort' ? 'repetitive' : 'truncated');
      metrics['truncation'] = truncation;
    }
    // Repetition is judged on what the model wrote (tool output may legitimately repeat itself).
    const generated = trajectory.segments
      .filter((s) => TRAINED_SEGMENT_KINDS.has(s.kind))
      .map((s) => s.text)
      .join('');
    const repetition = detectRepetition(generated.isWellFormed() ? generated : generated.toWellFormed(), thresholds);
    metrics['repetition'] = repetition.metrics;
    if (repetition.repetitive) {
      reasons.add('repetitive');
      metrics['repetitionRules'] = repetition.rules;
    }
    let own = withoutEndOfTurn(modelWrittenText(answerSegments(trajectory.segments)), trajectory);
    if (!own.isWellFormed()) own = own.toWellFormed();
    if (own.length > MAX_GRADED_CHARS) own = own.slice(-MAX_GRADED_CHARS);
    const finalCode = question.kind === 'code' ? extractFinalCode(own, { openAtEnd: trajectory.end === 'eos' }) : null;

    const tools = inspectToolCalls(trajectory.segments);
    const { lastFailedCode: _code, ...toolMetrics } = tools;
    metrics['tools'] = toolMetrics;
    // A math answer after a failed last call is a guess; a program's run without input is not its test.
    const excused = question.kind === 'code' ? answerRunWithoutInput(tools, finalCode) : null;
    if (excused) metrics['lastToolErrorExcused'] = excused;
    else if (tools.lastFailed || tools.unfinishedCall) reasons.add('tool_error');
    const invented = detectInventedOutput(trajectory.segments);
    if (invented.invented) {
      reasons.add('invented_tool_output');
      metrics['inventedOutputSegments'] = invented.segments;
    }
    let correct = false;
    if (question.kind === 'math') {
      const gold = goldAnswer(question.answer);
      const found = extractAnswer(own, { ...extraction, goldArity: answerArity(gold) });
      if (!found) {
        reasons.add('no_answer');
      } else {
        metrics['answer'] = found.answer;
        metrics['answerVia'] = found.via;
        if (found.boxes > 1) metrics['answerBoxes'] = found.boxes;
        if ((found.distinctBoxes ?? 0) > Math.max(1, found.boxes)) metrics['distinctBoxedAnswers'] = found.distinctBoxes;
        const res = await pool.compare(gold, found.answer, compareOptions);
        metrics['compareMethod'] = res.method;
        if (res.undecided) metrics['undecided'] = res.undecided;
        if (res.detail) metrics['compareDetail'] = res.detail;
        correct = res.equal;
        if (!correct)
          reasons.add(res.undecided === 'timeout' ? 'grader_timeout' : res.undecided === 'crash' ? 'grader_error' : 'wrong_answer');
      }
    } else {
      const code = finalCode;
      if (!code) {
        reasons.add('no_answer');
      } else {
        try {
          const res = await gradeCode(code, question.tests, deps.runner, deps.code);
          metrics['tests'] = { run: res.testsRun, total: res.testsTotal, firstFailure: res.firstFailure };
          correct = res.passed;
          if (!correct) reasons.add(res.firstFailure?.why === 'sandbox_error' ? 'grader_error' : 'tests_failed');
        } catch (e) {
          reasons.add('grader_error');
          metrics['graderError'] = (e as Error).message;
        }
      }
    }
    // Quality for selection: the answer was checked with the tool and every tool call succeeded.
    metrics['qualityScore'] = correct && tools.toolCalls > 0 && tools.toolErrors === 0 ? 1 : 0;
    return done(correct);
  }

  return { grade, close: () => pool.close() };
}

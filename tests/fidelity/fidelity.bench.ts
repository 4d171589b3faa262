/**
 * Per behaviour class of model-sim, through the real engine, grader, RFT selection and exports, under
 * vLLM and SGLang and every model profile: the share of correct samples that reach the dataset with
 * exactly one trained end-of-turn token (target 100%) and of wrong samples rejected (target 100%);
 * beside it the repetition detector on the real traces (finished flagged: 0; marked loops caught: all)
 * and on synthetic loops (target >= 95%).
 * Run: npm run bench -- fidelity   (writes bench-results/fidelity.json)
 * Only some classes: FIDELITY_CLASSES=final_code,final_code_fences npm run bench -- fidelity
 */
import {
  formatRepetitionReport,
  loadRealTraces,
  realTracesLocation,
  repetitionOnRealTraces,
  syntheticLoopDetection,
} from './real-traces.ts';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Question } from '@rft/contracts';
import { BEHAVIOUR_CLASSES, type BehaviourClass, codeQuestions, demoQuestions } from '@rft/model-sim';
import { closeFidelity, datasetProblems, matrix, runFidelityCase } from './fidelity-harness.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const SEEDS = [1, 2];
const CODE_CLASSES = new Set(['final_code', 'final_code_fences', 'unclosed_final_fence']);
const math = demoQuestions(1, 23) as Question[];
const code = codeQuestions(1, 23) as Question[];

/** The classes to run: all, or the comma-separated FIDELITY_CLASSES. */
function selectedClasses(): readonly BehaviourClass[] {
  const wanted = process.env['FIDELITY_CLASSES']
    ?.split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '');
  if (!wanted?.length) return BEHAVIOUR_CLASSES;
  const unknown = wanted.filter((c) => !(BEHAVIOUR_CLASSES as readonly string[]).includes(c));
  if (unknown.length > 0) throw new Error(`FIDELITY_CLASSES: unknown class ${unknown.join(', ')} (known: ${BEHAVIOUR_CLASSES.join(', ')})`);
  return wanted as BehaviourClass[];
}

interface Row {
  behaviour: string;
  samples: number;
  correct: number;
  correctReached: number;
  wrong: number;
  wrongRejected: number;
  /** Why correct samples did not reach the dataset, by problem. */
  misses: Record<string, number>;
}

const started = performance.now();
const rows: Row[] = [];
/** Code classes per model profile: correct samples, and those that reached the dataset. */
const codeByProfile: Record<string, { correct: number; reached: number }> = {};
for (const behaviour of selectedClasses()) {
  const row: Row = { behaviour, samples: 0, correct: 0, correctReached: 0, wrong: 0, wrongRejected: 0, misses: {} };
  const questions = CODE_CLASSES.has(behaviour) ? code : math;
  for (const [pairing, { flavour, profile }] of matrix().entries()) {
    for (const base of SEEDS) {
      // A distinct sample per pairing and seed, over every question.
      const seed = base * 100 + pairing;
      const question = questions[seed % questions.length]!;
      const r = await runFidelityCase({ behaviour, question, flavour, profile, seed });
      row.samples++;
      if (r.verdict.correct) {
        row.correct++;
        const problems = datasetProblems(r, flavour, profile);
        if (problems.length === 0) row.correctReached++;
        if (CODE_CLASSES.has(behaviour)) {
          const tally = (codeByProfile[profile] ??= { correct: 0, reached: 0 });
          tally.correct++;
          if (problems.length === 0) tally.reached++;
        }
        for (const p of problems) {
          const why = p.replace(/^[^:]+: /, '');
          row.misses[why] = (row.misses[why] ?? 0) + 1;
        }
      } else {
        row.wrong++;
        if (!r.selected && r.verdict.reasons.length > 0) row.wrongRejected++;
      }
    }
  }
  rows.push(row);
}
await closeFidelity();

const pct = (a: number, b: number) => (b === 0 ? '   -  ' : `${((100 * a) / b).toFixed(1).padStart(5)}%`);
console.log('behaviour              samples  correct  reached   wrong  rejected');
for (const r of rows) {
  console.log(
    `${r.behaviour.padEnd(22)} ${String(r.samples).padStart(7)} ${String(r.correct).padStart(8)}  ${pct(r.correctReached, r.correct)} ${String(r.wrong).padStart(7)}  ${pct(r.wrongRejected, r.wrong)}${Object.keys(r.misses).length ? `  misses: ${JSON.stringify(r.misses)}` : ''}`,
  );
}
const total = rows.reduce(
  (t, r) => ({
    correct: t.correct + r.correct,
    reached: t.reached + r.correctReached,
    wrong: t.wrong + r.wrong,
    rejected: t.rejected + r.wrongRejected,
  }),
  {
    correct: 0,
    reached: 0,
    wrong: 0,
    rejected: 0,
  },
);
console.log(
  `all: correct reached ${pct(total.reached, total.correct)} of ${total.correct}; wrong rejected ${pct(total.rejected, total.wrong)} of ${total.wrong}; ${((performance.now() - started) / 1000).toFixed(0)} s`,
);
for (const [profile, t] of Object.entries(codeByProfile))
  console.log(`${profile} code: ${t.reached}/${t.correct} correct reach the dataset`);
// The repetition detector beside it: real finished traces must not be flagged, marked and synthetic loops must be.
const synthetic = syntheticLoopDetection(10);
const traces = realTracesLocation();
const real = traces.dir ? repetitionOnRealTraces(loadRealTraces(traces.dir)) : null;
if (real) console.log(formatRepetitionReport(real, synthetic));
else {
  console.log(`!!! real traces not available at ${traces.looked}: the detector is measured on synthetic loops only`);
  console.log(`synthetic loops caught: ${synthetic.caught}/${synthetic.total}`);
}
const repetition = {
  syntheticLoops: { total: synthetic.total, caught: synthetic.caught },
  realTraces: real
    ? {
        finishedFlagged: real.finished.flagged.length,
        finished: real.finished.total,
        markedLoopsCaught: real.markedLoops.flagged.length,
        markedLoops: real.markedLoops.total,
      }
    : null,
};
mkdirSync(join(ROOT, 'bench-results'), { recursive: true });
writeFileSync(
  join(ROOT, 'bench-results', 'fidelity.json'),
  `${JSON.stringify({ bench: 'fidelity', seeds: SEEDS, flavours: ['vllm', 'sglang'], total, codeByProfile, repetition, rows }, null, 2)}\n`,
);

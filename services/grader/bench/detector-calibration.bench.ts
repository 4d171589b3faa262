/**
 * Calibration data for the degenerate-output detectors: score distributions on normal text (real READMEs
 * and source files from node_modules and this repository, real model solutions from the answer-equivalence
 * data when present, synthetic reasoning prose) against synthetic degenerations at several loop fractions,
 * and the false-positive / detection rates of the default thresholds.
 * Run: ./node_modules/.bin/node services/grader/bench/detector-calibration.bench.ts
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { detectRepetition, type RepetitionMetrics } from '../src/grading/detectors/repetition.ts';
import { DEFAULT_THRESHOLDS } from '../src/grading/detectors/thresholds.ts';
import { degenerate, reasoning, rng, type Degeneration } from './synthetic-trajectories.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

function files(dir: string, pick: (name: string) => boolean, limit: number, depth = 0, out: string[] = []): string[] {
  if (out.length >= limit || depth > 3 || !existsSync(dir)) return out;
  for (const name of readdirSync(dir).sort()) {
    if (out.length >= limit) break;
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) files(p, pick, limit, depth + 1, out);
    else if (pick(name) && st.size > 3000 && st.size < 400_000) out.push(p);
  }
  return out;
}

interface Sample {
  group: string;
  text: string;
}

function normalSamples(): Sample[] {
  const out: Sample[] = [];
  for (const p of files(join(repoRoot, 'node_modules'), (n) => /^readme\.md$/i.test(n), 150))
    out.push({ group: 'normal:readme', text: readFileSync(p, 'utf8') });
  for (const p of files(join(repoRoot, 'node_modules'), (n) => n.endsWith('.js') && !n.endsWith('.min.js'), 150))
    out.push({ group: 'normal:js-source', text: readFileSync(p, 'utf8') });
  for (const p of files(join(repoRoot, 'services'), (n) => n.endsWith('.ts'), 60))
    out.push({ group: 'normal:ts-source', text: readFileSync(p, 'utf8') });
  for (let dir = repoRoot; dirname(dir) !== dir; dir = dirname(dir)) {
    const f = join(dirname(dir), 'shared', 'benchmarks', 'answer-equivalence', 'math-verify.jsonl');
    if (!existsSync(f)) continue;
    for (const line of readFileSync(f, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const row = JSON.parse(line) as { prediction: string; prediction_is_full_response: boolean };
      if (row.prediction_is_full_response && row.prediction.length > 1500) out.push({ group: 'real:model-solution', text: row.prediction });
    }
    break;
  }
  for (let i = 0; i < 100; i++) {
    const r = rng(7000 + i);
    out.push({ group: 'normal:synthetic-reasoning', text: reasoning(r, [4000, 16_000, 32_000, 64_000][i % 4]!) });
  }
  return out;
}

function degenerateSamples(): Sample[] {
  const out: Sample[] = [];
  const kinds: Degeneration[] = ['sentence_loop', 'paragraph_loop', 'line_loop', 'char_loop', 'near_loop'];
  for (const kind of kinds) {
    for (const fraction of [0.1, 0.25, 0.5]) {
      for (let i = 0; i < 20; i++) {
        const r = rng(9000 + i * 31 + Math.round(fraction * 100));
        const total = 32_000;
        out.push({
          group: `loop:${kind}@${fraction}`,
          text: `${reasoning(r, total * (1 - fraction))}\n\n${degenerate(r, kind, total * fraction)}`,
        });
      }
    }
  }
  return out;
}

const METRICS: Array<keyof RepetitionMetrics> = [
  'repN',
  'maxLongNgramCount',
  'maxMaskedNgramCount',
  'maxLineRepeats',
  'maxParagraphRepeats',
  'tailLoopChars',
];

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
}

const samples = [...normalSamples(), ...degenerateSamples()];
const rows = samples.map((s) => ({ group: s.group, ...detectRepetition(s.text, DEFAULT_THRESHOLDS) }));
const groups = [...new Set(rows.map((r) => r.group))];
const table = groups.map((g) => {
  const rs = rows.filter((r) => r.group === g);
  const isNormal = !g.startsWith('loop:');
  const row: Record<string, string | number> = {
    group: g,
    n: rs.length,
    flagged: `${((rs.filter((r) => r.repetitive).length / rs.length) * 100).toFixed(1)}%`,
  };
  for (const m of METRICS) {
    const xs = rs.map((r) => r.metrics[m]);
    // Normal text: the high tail matters (p99/max); loops: the low tail (min).
    row[m] = isNormal ? `p99 ${+quantile(xs, 0.99).toFixed(3)} / max ${+Math.max(...xs).toFixed(3)}` : `min ${+Math.min(...xs).toFixed(3)}`;
  }
  return row;
});
console.log('Detector scores by group (normal: p99 / max; loops: min) and share flagged at the default thresholds');
console.log(DEFAULT_THRESHOLDS);
console.table(table);
const normal = rows.filter((r) => r.group.startsWith('normal:'));
const loops = rows.filter((r) => r.group.startsWith('loop:'));
const ruleHits: Record<string, number> = {};
for (const r of normal) for (const rule of r.rules) ruleHits[rule] = (ruleHits[rule] ?? 0) + 1;
const summary = {
  normalSamples: normal.length,
  falsePositiveRate: normal.filter((r) => r.repetitive).length / normal.length,
  falsePositiveRules: ruleHits,
  loopSamples: loops.length,
  detectionRate: loops.filter((r) => r.repetitive).length / loops.length,
};
console.log(summary);
console.log('Real model solutions from the answer-equivalence data (long ones), with the rules that fired:');
for (const r of rows.filter((x) => x.group.startsWith('real:')))
  console.log(`  rules=${JSON.stringify(r.rules)} repN=${r.metrics.repN} tailLoop=${r.metrics.tailLoopChars}`);
mkdirSync(join(repoRoot, 'bench-results'), { recursive: true });
writeFileSync(
  join(repoRoot, 'bench-results', 'detector-calibration.json'),
  `${JSON.stringify({ bench: 'detector-calibration', thresholds: DEFAULT_THRESHOLDS, summary, table }, null, 2)}\n`,
);

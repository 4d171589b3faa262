/**
 * Writes the demo pipeline's question and benchmark files from model-sim's question bank:
 * `./node_modules/.bin/node examples/demo-pipeline/generate-files.ts [out-dir]`. Deterministic: rerunning
 * reproduces the committed files byte for byte, and it refuses to write a benchmark that overlaps the
 * training questions other than through the one planted copy.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { demoQuestions } from '@rft/model-sim';

const here = import.meta.dirname;
const outDir = process.argv[2] ?? here;
const PER_TEMPLATE_TRAIN = 4;
const PER_TEMPLATE_BENCHMARK = 2;
/**
 * Left out of the benchmark: the drawing template's fixed wording ("balls are drawn at random without
 * replacement what is the probability that exactly") is 13 words, so with 13-gram decontamination any
 * benchmark instance would exclude every training instance of the template.
 */
const NOT_BENCHMARKED = new Set(['drawing']);

const words = (text: string) => text.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean).join(' ');

// Training: the first questions of each template from the single-campaign demo (math only).
const demo = readFileSync(join(here, '..', 'demo', 'questions.jsonl'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line) as { id: string; kind: string; problem: string; answer: string });
const taken = new Map<string, number>();
const training = demo.filter((q) => {
  if (q.kind !== 'math') return false;
  const template = q.id.split('-')[1] ?? '';
  taken.set(template, (taken.get(template) ?? 0) + 1);
  return (taken.get(template) ?? 0) <= PER_TEMPLATE_TRAIN;
});

// Held out: the same templates drawn with another seed, none equal to any demo question.
const seen = new Set(demo.map((q) => words(q.problem)));
const benchmark = demoQuestions(6, 4242)
  .filter((q) => !NOT_BENCHMARKED.has(q.id.split('-')[1] ?? '') && !seen.has(words(q.problem)))
  .filter((q, i, all) => all.slice(0, i).filter((p) => p.id.split('-')[1] === q.id.split('-')[1]).length < PER_TEMPLATE_BENCHMARK)
  .map((q) => ({ ...q, id: q.id.replace(/^demo-/, 'heldout-'), source: 'model-sim question bank (held out)' }));

// The planted leak: a benchmark problem copied into the training file with other spacing and case.
const leaked = benchmark[0];
if (!leaked) throw new Error('no benchmark problem generated');
const planted = {
  id: 'planted-benchmark-copy',
  kind: 'math',
  problem: leaked.problem.toUpperCase().replaceAll(' ', '  '),
  answer: leaked.answer,
  source: `copied from benchmark problem ${leaked.id}: decontamination must exclude it`,
};
if (words(planted.problem) !== words(leaked.problem)) throw new Error('the planted copy must normalise to the benchmark problem');

const jsonl = (rows: readonly object[]) => `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`;
writeFileSync(join(outDir, 'questions.jsonl'), jsonl([...training, planted]));
writeFileSync(join(outDir, 'benchmark.jsonl'), jsonl(benchmark));
console.log(`wrote ${training.length + 1} training questions (1 planted copy) and ${benchmark.length} benchmark problems to ${outDir}`);

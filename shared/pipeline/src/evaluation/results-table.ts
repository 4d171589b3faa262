import type { BenchmarkScore } from './benchmark-score.ts';

/** One model's score on one benchmark. */
export interface ScoredPair {
  model: string;
  benchmark: string;
  score: BenchmarkScore;
}

export interface TableOptions {
  /** The metric shown, e.g. `pass@1`, `pass@16`, `maj@16`. @defaultValue "pass@1" */
  metric?: string;
  /** Row order; models not listed follow in first-seen order. */
  models?: readonly string[];
  /** Column order; benchmarks not listed follow in first-seen order. */
  benchmarks?: readonly string[];
}

/** Models as rows, benchmarks as columns: the layout of the paper's results table. */
export interface ResultsTable {
  metric: string;
  benchmarks: string[];
  rows: Array<{ model: string; cells: Array<ResultsCell | null> }>;
}

export interface ResultsCell {
  value: number;
  interval: [number, number];
  questions: number;
  samplesPerQuestion: { min: number; max: number };
}

function ordered(preferred: readonly string[], seen: readonly string[]): string[] {
  return [...new Set([...preferred, ...seen])];
}

/** Arranges scores into a table; a pair scored twice is refused, a pair never scored is null. */
export function resultsTable(pairs: readonly ScoredPair[], options: TableOptions = {}): ResultsTable {
  const metric = options.metric ?? 'pass@1';
  const byPair = new Map<string, BenchmarkScore>();
  for (const { model, benchmark, score } of pairs) {
    const key = `${model}\0${benchmark}`;
    if (byPair.has(key)) throw new Error(`results table: ${model} on ${benchmark} is scored twice`);
    byPair.set(key, score);
  }
  const models = ordered(
    options.models ?? [],
    pairs.map((p) => p.model),
  );
  const benchmarks = ordered(
    options.benchmarks ?? [],
    pairs.map((p) => p.benchmark),
  );
  const rows = models.map((model) => ({
    model,
    cells: benchmarks.map((benchmark): ResultsCell | null => {
      const score = byPair.get(`${model}\0${benchmark}`);
      const estimate = score?.metrics[metric];
      if (!score || !estimate) return null;
      return { ...estimate, questions: score.questions, samplesPerQuestion: score.samplesPerQuestion };
    }),
  }));
  return { metric, benchmarks, rows };
}

const percent = (x: number) => (100 * x).toFixed(1);

function cellText(cell: ResultsCell | null): string {
  if (!cell) return '—';
  const { min, max } = cell.samplesPerQuestion;
  const samples = min === max ? `${min}` : `${min}-${max}`;
  return `${percent(cell.value)} [${percent(cell.interval[0])}, ${percent(cell.interval[1])}] (${cell.questions}×${samples})`;
}

/**
 * The table as Markdown: each cell is the metric in percent, its confidence interval, and
 * (questions × samples per question); `—` where a model was not evaluated on a benchmark.
 */
export function formatResultsTable(table: ResultsTable): string {
  const header = `| ${table.metric} | ${table.benchmarks.join(' | ')} |`;
  const rule = `|---|${table.benchmarks.map(() => '---|').join('')}`;
  const rows = table.rows.map((row) => `| ${row.model} | ${row.cells.map(cellText).join(' | ')} |`);
  return [header, rule, ...rows].join('\n');
}

import { describe, expect, it } from 'vitest';
import type { BenchmarkScore } from './benchmark-score.ts';
import { formatResultsTable, resultsTable } from './results-table.ts';

function score(value: number, interval: [number, number], questions = 30, samples = 16): BenchmarkScore {
  return { questions, samplesPerQuestion: { min: samples, max: samples }, metrics: { 'pass@1': { value, interval } } };
}

describe('results table', () => {
  it('lays out models as rows and benchmarks as columns, marking pairs never evaluated', () => {
    const table = resultsTable(
      [
        { model: 'start', benchmark: 'aime24', score: score(0.667, [0.5, 0.833]) },
        { model: 'qwq-32b', benchmark: 'aime24', score: score(0.5, [0.333, 0.667]) },
        { model: 'qwq-32b', benchmark: 'math500', score: score(0.906, [0.88, 0.93], 500, 1) },
      ],
      { models: ['qwq-32b', 'start-0', 'start'] },
    );
    expect(formatResultsTable(table)).toBe(
      [
        '| pass@1 | aime24 | math500 |',
        '|---|---|---|',
        '| qwq-32b | 50.0 [33.3, 66.7] (30×16) | 90.6 [88.0, 93.0] (500×1) |',
        '| start-0 | — | — |',
        '| start | 66.7 [50.0, 83.3] (30×16) | — |',
      ].join('\n'),
    );
  });

  it('refuses a pair scored twice', () => {
    const s = score(0.5, [0.4, 0.6]);
    expect(() =>
      resultsTable([
        { model: 'm', benchmark: 'b', score: s },
        { model: 'm', benchmark: 'b', score: s },
      ]),
    ).toThrow('results table: m on b is scored twice');
  });
});

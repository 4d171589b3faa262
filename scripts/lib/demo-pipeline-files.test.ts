import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseQuestionFile } from '@rft/intake';
import { BenchmarkIndex, decontaminate, parseBenchmarkFile, parseTrainProfileFile } from '@rft/pipeline';
import { parse } from 'yaml';

const dir = join(import.meta.dirname, '..', '..', 'examples', 'demo-pipeline');
const read = (file: string) => readFileSync(join(dir, file), 'utf8');
/** The spec as written (`rft pipelines validate` checks it whole; here only the fields these tests read). */
const spec = parse(read('pipeline.yaml')) as {
  decontamination: { ngram: number };
  benchmarks: Record<string, { file: string }>;
  steps: Record<string, { kind: string; profile?: string }>;
};

describe('examples/demo-pipeline', () => {
  it('holds exactly what generate-files.ts writes', () => {
    const out = mkdtempSync(join(tmpdir(), 'demo-pipeline-'));
    execFileSync(process.execPath, [join(dir, 'generate-files.ts'), out]);
    for (const file of ['questions.jsonl', 'benchmark.jsonl']) expect(readFileSync(join(out, file), 'utf8')).toBe(read(file));
  });

  it('decontamination at the spec n-gram excludes the planted copy and nothing else', () => {
    const questions = parseQuestionFile(Buffer.from(read('questions.jsonl')), 'questions.jsonl');
    const index = new BenchmarkIndex(spec.decontamination.ngram);
    index.add('heldout', parseBenchmarkFile(read('benchmark.jsonl'), 'benchmark.jsonl'));
    const result = decontaminate(questions, index);
    expect(result.excluded.map((e) => [e.questionId, e.benchmark, e.problemId, e.match])).toEqual([
      ['planted-benchmark-copy', 'heldout', 'heldout-modpow-01', 'exact'],
    ]);
    expect(result.kept).toHaveLength(questions.length - 1);
  });

  it('names files that exist and parse: a Slurm training profile and a benchmark the steps evaluate on', () => {
    const profiles = Object.values(spec.steps).flatMap((s) => (s.kind === 'train' ? [s.profile] : []));
    expect(new Set(profiles)).toEqual(new Set(['training-profile.yaml']));
    expect(parseTrainProfileFile(read('training-profile.yaml'), 'training-profile.yaml').backend).toBe('slurm');
    expect(Object.values(spec.benchmarks).map((b) => b.file)).toEqual(['benchmark.jsonl']);
  });
});

/** Prints a benchmark table and writes the same figures to bench-results/<name>.json at the repo root. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const REPO_ROOT = new URL('../../../', import.meta.url).pathname;

export type Row = Record<string, string | number | boolean>;

export function report(name: string, rows: Row[], summary: Record<string, unknown> = {}): void {
  console.log(`\n${name}`);
  console.table(rows);
  if (Object.keys(summary).length) console.log(summary);
  const dir = join(REPO_ROOT, 'bench-results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.json`), JSON.stringify({ name, at: new Date().toISOString(), rows, summary }, null, 2) + '\n');
}

export function round(n: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

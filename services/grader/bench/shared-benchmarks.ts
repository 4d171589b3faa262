import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Reference data that lives beside the repository (`../shared/benchmarks/<name>`), never inside it: a clone
 * of the repository alone does not have it. `RFT_SHARED_DIR` names the shared directory explicitly.
 */
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export function sharedBenchmarkDir(name: string): { dir: string | null; looked: string } {
  const explicit = process.env['RFT_SHARED_DIR'];
  if (explicit) {
    const dir = join(explicit, 'benchmarks', name);
    return { dir: existsSync(dir) ? dir : null, looked: dir };
  }
  const first = join(dirname(repoRoot), 'shared', 'benchmarks', name);
  for (let dir = repoRoot; ; dir = dirname(dir)) {
    const candidate = join(dirname(dir), 'shared', 'benchmarks', name);
    if (existsSync(candidate)) return { dir: candidate, looked: candidate };
    if (dirname(dir) === dir) return { dir: null, looked: first };
  }
}

/** Locate the data, or warn loudly (naming the path) that the tests using it are skipped. */
export function requireSharedBenchmark(name: string): string | null {
  const { dir, looked } = sharedBenchmarkDir(name);
  if (!dir) {
    const line = '!'.repeat(100);
    console.warn(
      `${line}\nSKIPPED: reference data ${looked} is absent (set RFT_SHARED_DIR to the shared directory to run these tests)\n${line}`,
    );
  }
  return dir;
}

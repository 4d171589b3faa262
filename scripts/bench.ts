// `npm run bench`: runs every benchmark (`services/*/bench/*.bench.ts` and `tests/fidelity/*.bench.ts`,
// or those whose path contains an argument) one after another on this Node. Each prints its table and writes bench-results/<name>.json.
import { spawnSync } from 'node:child_process';
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const filters = process.argv.slice(2);
const benches: string[] = [];
// The fidelity bench runs the whole pipeline per behaviour class, so it lives with its tests.
const benchDirs = [...readdirSync(join(ROOT, 'services')).map((service) => join('services', service, 'bench')), join('tests', 'fidelity')];
for (const dir of benchDirs) {
  if (!existsSync(join(ROOT, dir))) continue;
  for (const file of readdirSync(join(ROOT, dir)).sort()) {
    const path = join(dir, file);
    if (file.endsWith('.bench.ts') && (filters.length === 0 || filters.some((f) => path.includes(f)))) benches.push(path);
  }
}
if (benches.length === 0) {
  console.error(`no benchmark matches ${filters.join(' ') || '(all)'}`);
  process.exit(2);
}
let failed = 0;
for (const bench of benches) {
  console.log(`\n=== ${bench}`);
  const result = spawnSync(process.execPath, [join(ROOT, bench)], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) {
    failed += 1;
    console.error(`${bench} exited with ${result.status ?? result.signal}`);
  }
}
console.log(`\n${benches.length - failed} of ${benches.length} benchmarks ran; results in bench-results/`);
process.exit(failed ? 1 : 0);

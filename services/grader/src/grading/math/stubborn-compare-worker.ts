import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Test support: writes a compare worker that behaves like the real one, except that a gold answer of
 * `hang` spins forever, `die` exits the thread and `oom` allocates until the heap cap kills it. Lets tests exercise the pool's hard deadline and crash
 * handling with a real stuck thread.
 */
export function writeStubbornCompareWorker(dir: string): URL {
  const compareModule = new URL('./answer-compare.ts', import.meta.url).href;
  const file = join(dir, 'stubborn-compare-worker.ts');
  writeFileSync(
    file,
    `import { parentPort } from 'node:worker_threads';
const { compareAnswers } = await import(${JSON.stringify(compareModule)});
parentPort.postMessage({ ready: true });
parentPort.on('message', (task) => {
  if (task.gold === 'hang') for (;;) {}
  if (task.gold === 'die') process.exit(3);
  if (task.gold === 'oom') { const keep = []; for (;;) keep.push(new Array(1e5).fill(task.id)); }
  parentPort.postMessage({ id: task.id, result: compareAnswers(task.gold, task.pred, task.options) });
});
`,
  );
  return pathToFileURL(file);
}

/**
 * Writes the demo question file: `node services/model-sim/src/generate-questions.ts [out.jsonl]`.
 * Deterministic: rerunning produces the committed examples/demo/questions.jsonl byte for byte.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { codeQuestions } from './code-questions.ts';
import { demoQuestions } from './demo-questions.ts';

const out = resolve(process.argv[2] ?? new URL('../../../examples/demo/questions.jsonl', import.meta.url).pathname);
// Math first (tests take the first N), then the code questions.
const lines = [...demoQuestions(8), ...codeQuestions(4)].map((q) => JSON.stringify(q));
writeFileSync(out, lines.join('\n') + '\n');
console.log(`wrote ${lines.length} questions to ${out}`);

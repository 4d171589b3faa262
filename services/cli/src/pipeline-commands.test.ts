import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import type { CliIo } from './cli-context.ts';
import { EXIT } from './exit-codes.ts';
import { runCli } from './run-cli.ts';

const EXAMPLE = join(import.meta.dirname, '..', '..', '..', 'examples', 'start-pipeline.yaml');

async function run(argv: string[], files: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    env: {},
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    readFile: async (path) => (path in files ? new TextEncoder().encode(files[path]) : new Uint8Array(await readFile(path))),
    sleep: async () => {},
    isTty: false,
  };
  const code = await runCli(argv, io);
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

test('rft pipelines validate prints the START example in the order its steps can run', async () => {
  const res = await run(['pipelines', 'validate', EXAMPLE]);
  expect(res.code, res.stderr).toBe(EXIT.ok);
  expect(res.stdout).toMatch(/^valid: pipeline ".+" with \d+ steps/);
  const json = await run(['pipelines', 'validate', EXAMPLE, '--json']);
  const { steps } = JSON.parse(json.stdout) as { steps: Array<{ name: string; kind: string }> };
  const at = (kind: string) => steps.findIndex((s) => s.kind === kind);
  // Sampling comes before the selection it feeds, selection before training, training before serving.
  expect(at('campaign')).toBeLessThan(at('select'));
  expect(at('select')).toBeLessThan(at('train'));
  expect(at('train')).toBeLessThan(at('serve'));
});

test('a broken pipeline is refused whole, each problem with its path, exit 3', async () => {
  const spec = (await readFile(EXAMPLE, 'utf8')).replace(/^name: .*$/m, '$&\nbogus: 1');
  const res = await run(['pipelines', 'validate', 'broken.yaml'], { 'broken.yaml': spec });
  expect(res.code).toBe(EXIT.invalidInput);
  expect(res.stderr).toContain('broken.yaml');
  expect(res.stderr).toContain('bogus');
});

test('a missing file is a clear error', async () => {
  const res = await run(['pipelines', 'validate', '/nonexistent/pipeline.yaml']);
  expect([res.code, res.stderr]).toEqual([EXIT.invalidInput, 'rft: cannot read the pipeline spec /nonexistent/pipeline.yaml: ENOENT']);
});

test('the QwQ-RFT ablation example validates: RFT without tools on the base, trained and evaluated with tools off', async () => {
  const ablation = join(import.meta.dirname, '..', '..', '..', 'examples', 'qwq-rft-ablation.yaml');
  const res = await run(['pipelines', 'validate', ablation, '--json']);
  expect(res.code, res.stderr).toBe(EXIT.ok);
  const { steps } = JSON.parse(res.stdout) as { steps: Array<{ name: string; kind: string }> };
  expect(steps.map((s) => s.kind)).toEqual(['campaign', 'select', 'train', 'serve', 'eval']);
});

// How the demo hands its pipeline to the system: a copy of examples/demo-pipeline with the base model's
// endpoint set to the replica the demo started, submitted through the API with the CLI as a user would.
import { execFile } from 'node:child_process';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseDocument } from 'yaml';

const run = promisify(execFile);

/** The files of examples/demo-pipeline the spec names (the generator script stays behind). */
const SUBMITTED_FILES = ['questions.jsonl', 'benchmark.jsonl', 'training-profile.yaml'];

/**
 * Writes the submission directory: the spec with `models.<base>.endpoints` replaced by `baseUrl`,
 * and the files it names beside it (paths in the spec are relative to it). Returns the spec's path.
 */
export async function prepareSubmission(exampleDir: string, outDir: string, baseModel: string, baseUrl: string): Promise<string> {
  await mkdir(outDir, { recursive: true });
  const doc = parseDocument(await readFile(join(exampleDir, 'pipeline.yaml'), 'utf8'));
  if (!doc.hasIn(['models', baseModel])) throw new Error(`${exampleDir}/pipeline.yaml has no models.${baseModel}`);
  doc.setIn(['models', baseModel, 'endpoints'], [baseUrl]);
  const spec = join(outDir, 'pipeline.yaml');
  await writeFile(spec, doc.toString());
  for (const file of SUBMITTED_FILES) await copyFile(join(exampleDir, file), join(outDir, file));
  return spec;
}

export interface CliTarget {
  root: string;
  apiUrl: string;
  token: string;
}

/** Runs `rft ARGS` (services/cli) in `cwd` against the API; stdout as text, a non-zero exit as an error with stderr. */
export async function rft(target: CliTarget, cwd: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await run(process.execPath, [join(target.root, 'services', 'cli', 'src', 'main.ts'), ...args], {
      cwd,
      env: { ...process.env, RFT_API_URL: target.apiUrl, RFT_TOKEN: target.token },
      timeout: 120_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    const e = error as { stderr?: string; stdout?: string; message: string };
    throw new Error(`rft ${args.join(' ')} failed: ${(e.stderr || e.stdout || e.message).trim()}`);
  }
}

/** `rft pipelines submit pipeline.yaml --json` from the submission directory: the new pipeline's id. */
export async function submitPipeline(target: CliTarget, specPath: string, dir: string): Promise<string> {
  const out = await rft(target, dir, ['pipelines', 'submit', specPath, '--json']);
  const parsed = JSON.parse(out) as Record<string, unknown>;
  const id = parsed['id'] ?? parsed['pipelineId'] ?? (parsed['pipeline'] as Record<string, unknown> | undefined)?.['id'];
  if (typeof id !== 'string') throw new Error(`rft pipelines submit answered without a pipeline id: ${out.trim()}`);
  return id;
}

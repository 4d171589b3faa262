import { dirname, resolve } from 'node:path';
import type { ApiClient, Got } from './api-client.ts';
import { clientFor, type CliIo, type GlobalOptions, printJson } from './cli-context.ts';
import { CliError, EXIT, type ExitCode } from './exit-codes.ts';
import { readOrUsage } from './campaign-commands.ts';
import { table } from './render.ts';
import type { ResultsTable } from '@rft/pipeline';

/** Files larger than this in total go through presigned uploads instead of the request body (16 MiB limit, JSON escaping). */
const INLINE_BUDGET_BYTES = 8 * 1024 * 1024;

/** Reads and validates a spec whole; problems become exit 3 with every `file: path: problem` line. */
async function readSpec(io: CliIo, specPath: string) {
  const [{ InputError }, { parsePipelineSpec }] = await Promise.all([import('@rft/contracts'), import('@rft/pipeline')]);
  const text = new TextDecoder().decode(await readOrUsage(io, specPath, 'pipeline spec'));
  try {
    return { text, ...parsePipelineSpec(text, specPath) };
  } catch (error) {
    if (error instanceof InputError) throw new CliError(EXIT.invalidInput, `${error.message.split('\n')[0]}`, error.problems);
    throw error;
  }
}

/**
 * Checks a pipeline spec whole, locally, before anything runs: its shape (unknown keys refused), every
 * reference between steps, models and benchmarks, and cycles. Prints the steps in the order they can run.
 */
export async function validatePipeline([specPath]: string[], opts: GlobalOptions, io: CliIo): Promise<ExitCode> {
  if (!specPath) throw new CliError(EXIT.usage, 'pipelines validate needs <pipeline.yaml>');
  const { spec, order } = await readSpec(io, specPath);
  const steps = order.map((name) => ({ name, kind: spec.steps[name]!.kind }));
  if (opts.json) printJson(io, { valid: true, name: spec.name, steps });
  else {
    io.stdout(`valid: pipeline "${spec.name}" with ${steps.length} steps, in the order they can run:`);
    for (const [i, s] of steps.entries()) io.stdout(`  ${String(i + 1).padStart(2)}. ${s.name} (${s.kind})`);
  }
  return EXIT.ok;
}

async function uploadFile(api: ApiClient, bytes: Uint8Array, path: string): Promise<string> {
  const target = await api.data(api.POST('/v1/uploads', { body: { compression: 'none' } }));
  let res: Response;
  try {
    res = await fetch(target.url, { method: 'PUT', body: new Blob([bytes as Uint8Array<ArrayBuffer>]) });
  } catch (error) {
    throw new CliError(EXIT.unreachable, `cannot reach the object store to upload ${path}: ${(error as Error).message}`);
  }
  if (!res.ok) throw new CliError(EXIT.failure, `upload of ${path} failed: ${res.status} ${res.statusText}`);
  return target.key;
}

/**
 * Validates the spec and every file it names (relative to the spec's directory: question files,
 * benchmark files, training profiles) locally, then submits them together; large files go through
 * presigned uploads.
 */
export async function submitPipeline([specPath]: string[], opts: GlobalOptions & { dryRun?: boolean }, io: CliIo): Promise<ExitCode> {
  if (!specPath) throw new CliError(EXIT.usage, 'pipelines submit needs <pipeline.yaml>');
  const { text, spec, order } = await readSpec(io, specPath);
  const [{ InputError }, { parseBenchmarkFile, parseTrainProfileFile, specFiles }, { parseQuestionFile }] = await Promise.all([
    import('@rft/contracts'),
    import('@rft/pipeline'),
    import('@rft/intake'),
  ]);
  const base = dirname(specPath);
  const contents = new Map<string, Uint8Array>();
  for (const f of specFiles(spec)) contents.set(f.path, await readOrUsage(io, resolve(base, f.path), `file named by ${f.field}`));
  const problems: string[] = [];
  const check = (run: () => unknown) => {
    try {
      run();
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      problems.push(...error.problems);
    }
  };
  for (const b of Object.values(spec.benchmarks)) check(() => parseBenchmarkFile(new TextDecoder().decode(contents.get(b.file)), b.file));
  for (const path of new Set(Object.values(spec.steps).flatMap((s) => (s.kind === 'campaign' ? [s.questions] : [])))) {
    check(() => parseQuestionFile(contents.get(path)!, path));
  }
  for (const path of new Set(Object.values(spec.steps).flatMap((s) => (s.kind === 'train' ? [s.profile] : [])))) {
    check(() => parseTrainProfileFile(new TextDecoder().decode(contents.get(path)), path));
  }
  if (problems.length) throw new CliError(EXIT.invalidInput, `${problems.length} problem(s) in the files ${specPath} names`, problems);
  if (opts.dryRun) {
    io.stdout(`valid: pipeline "${spec.name}" (${order.length} steps) and its ${contents.size} files; nothing sent (--dry-run)`);
    return EXIT.ok;
  }
  const api = clientFor(opts, io);
  const files: Record<string, { content: string } | { key: string }> = {};
  let inline = 0;
  for (const [path, bytes] of contents) {
    if (inline + bytes.byteLength <= INLINE_BUDGET_BYTES) {
      inline += bytes.byteLength;
      files[path] = { content: new TextDecoder().decode(bytes) };
    } else files[path] = { key: await uploadFile(api, bytes, path) };
  }
  const created = await api.data(api.POST('/v1/pipelines', { body: { spec: text, files } }));
  if (opts.json) printJson(io, created);
  else {
    io.stdout(
      `pipeline ${created.id} "${created.name}" submitted for team ${created.team}: ${created.order.length} steps, ${Object.keys(created.files).length} files stored`,
    );
    for (const b of created.benchmarks) io.stdout(`  benchmark ${b.name}: ${b.problems} problems (sha256 ${b.sha256.slice(0, 12)})`);
    io.stdout(`follow it with: rft pipelines status ${created.id.slice(0, 8)}`);
  }
  return EXIT.ok;
}

/** A pipeline by id, short id prefix or name (the API takes ids and names; a prefix is looked up). */
async function resolvePipeline(api: ApiClient, ref: string): Promise<string> {
  if (/^[0-9a-f]{8}-[0-9a-f-]{27}$/i.test(ref)) return ref;
  const items = (await api.data(api.GET('/v1/pipelines', { params: { query: { limit: 1000 } } }))).items;
  const matches = items.filter((p) => p.id.startsWith(ref.toLowerCase()));
  if (matches.length === 1) return matches[0]!.id;
  if (matches.length > 1) throw new CliError(EXIT.usage, `"${ref}" matches ${matches.length} pipelines; give more of the id`);
  return ref;
}

export async function listPipelines(_args: string[], opts: GlobalOptions & { name?: string }, io: CliIo): Promise<ExitCode> {
  const api = clientFor(opts, io);
  const { items } = await api.data(api.GET('/v1/pipelines', { params: { query: opts.name ? { name: opts.name } : {} } }));
  if (opts.json) printJson(io, items);
  else
    io.stdout(
      table(
        ['id', 'name', 'team', 'steps', 'created'],
        items.map((p) => [
          p.id.slice(0, 8),
          p.name,
          p.team,
          Object.entries(p.steps)
            .map(([s, n]) => `${n} ${s}`)
            .join(', '),
          p.createdAt,
        ]),
      ),
    );
  return EXIT.ok;
}

type Step = Got<'/v1/pipelines/{id}'>['steps'][number];

const stepLines = (s: Step): string[] => [
  `${s.name} (${s.kind}): ${s.status}${s.reason ? ` - ${s.reason}` : ''}${s.dependsOn.length ? `   after ${s.dependsOn.join(', ')}` : ''}`,
  ...(s.summary ? [`    ${s.summary}`] : []),
  ...(s.heldBy ? [`    held by ${s.heldBy}`] : []),
  ...(s.next ? [`    next: ${s.next}`] : []),
];

/** The DAG in run order: each step's state, reason, output, what holds it and what to run next. */
export async function pipelineStatus([ref]: string[], opts: GlobalOptions, io: CliIo): Promise<ExitCode> {
  const api = clientFor(opts, io);
  const id = await resolvePipeline(api, ref!);
  const detail = await api.data(api.GET('/v1/pipelines/{id}', { params: { path: { id } } }));
  if (opts.json) printJson(io, detail);
  else {
    io.stdout(`pipeline ${detail.id} "${detail.name}"${detail.finished ? ': finished' : ''}`);
    for (const s of detail.steps) io.stdout(stepLines(s).join('\n'));
  }
  return EXIT.ok;
}

async function changeStep(action: 'retry' | 'accept', [ref, step]: string[], opts: GlobalOptions & { reason?: string }, io: CliIo) {
  const api = clientFor(opts, io);
  const id = await resolvePipeline(api, ref!);
  const body = opts.reason ? { reason: opts.reason } : {};
  const params = { path: { id, step: step! } };
  const res = await api.data(
    action === 'retry'
      ? api.POST('/v1/pipelines/{id}/steps/{step}/retry', { params, body })
      : api.POST('/v1/pipelines/{id}/steps/{step}/accept', { params, body }),
  );
  if (opts.json) printJson(io, res);
  else io.stdout(`step ${res.step} of pipeline ${res.pipelineId.slice(0, 8)} is now ${res.status}${res.reason ? ` (${res.reason})` : ''}`);
  return EXIT.ok;
}

export const retryStep = (args: string[], opts: GlobalOptions & { reason?: string }, io: CliIo) => changeStep('retry', args, opts, io);
export async function acceptStep(args: string[], opts: GlobalOptions & { reason?: string }, io: CliIo): Promise<ExitCode> {
  if (!opts.reason) throw new CliError(EXIT.usage, 'accept-step needs --reason "<why the step is good enough>"');
  return changeStep('accept', args, opts, io);
}

/** The evaluation report: one table per metric, models as rows, benchmarks as columns. */
export async function pipelineReport([ref]: string[], opts: GlobalOptions & { metric?: string }, io: CliIo): Promise<ExitCode> {
  const { formatResultsTable } = await import('@rft/pipeline');
  const api = clientFor(opts, io);
  const id = await resolvePipeline(api, ref!);
  const report = await api.data(api.GET('/v1/pipelines/{id}/report', { params: { path: { id } } }));
  if (opts.json) {
    printJson(io, report);
    return EXIT.ok;
  }
  if (report.cells.length === 0) {
    io.stdout('no evaluation yet: the eval steps have not started');
    return EXIT.ok;
  }
  const tables = opts.metric ? report.tables.filter((t) => t.metric === opts.metric) : report.tables;
  if (opts.metric && tables.length === 0) throw new CliError(EXIT.usage, `--metric must be one of: ${report.metrics.join(', ')}`);
  // The generated types lose the interval's tuple shape; the API's schema checks it is a pair.
  io.stdout(tables.map((t) => formatResultsTable(t as ResultsTable)).join('\n\n'));
  io.stdout('\ncells: value in %, [95% bootstrap interval] (questions x samples per question)');
  return EXIT.ok;
}

import type { Got } from './api-client.ts';
import { clientFor, printJson, type CliIo, type GlobalOptions } from './cli-context.ts';
import { CliError, EXIT, type ExitCode } from './exit-codes.ts';
import { table } from './render.ts';
import { resolveDataset, resolveRun } from './resolve-ref.ts';

type Run = Got<'/v1/runs/{id}'>['run'];

async function readStructured(io: CliIo, path: string, what: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = new TextDecoder().decode(await io.readFile(path));
  } catch (error) {
    throw new CliError(
      EXIT.invalidInput,
      `cannot read the ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  const { parse: parseYaml } = await import('yaml');
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (error) {
    throw new CliError(EXIT.invalidInput, `${path}: invalid YAML/JSON: ${(error as Error).message.split('\n')[0]}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new CliError(EXIT.invalidInput, `${path}: the ${what} must be a mapping`);
  return value as Record<string, unknown>;
}

const runLine = (r: Run) =>
  `run ${r.id}: ${r.status}${r.externalId ? ` (${r.backend} ${r.externalId})` : ` (${r.backend})`}${r.error ? ` - ${r.error}` : ''}`;

export async function launchRun(
  [ref]: string[],
  opts: GlobalOptions & { backend?: string; profile?: string; config?: string },
  io: CliIo,
): Promise<ExitCode> {
  if (!opts.backend || !opts.profile) throw new CliError(EXIT.usage, '--backend and --profile are required');
  const profile = await readStructured(io, opts.profile, 'profile');
  const config = opts.config ? await readStructured(io, opts.config, 'config') : {};
  const api = clientFor(opts, io);
  const datasetId = await resolveDataset(api, ref!);
  const backend = opts.backend as 'slurm' | 'kubernetes' | 'bundle';
  const run = await api.data(api.POST('/v1/runs', { body: { datasetId, backend, profile, config } }));
  if (opts.json) printJson(io, run);
  else io.stdout(`${runLine(run)}\nfollow it with: rft runs status ${run.id.slice(0, 8)}`);
  return run.status === 'rejected' || run.status === 'failed' ? EXIT.failure : EXIT.ok;
}

export async function runStatus([ref]: string[], opts: GlobalOptions, io: CliIo): Promise<ExitCode> {
  const api = clientFor(opts, io);
  const id = await resolveRun(api, ref!);
  const res = await api.data(api.GET('/v1/runs/{id}', { params: { path: { id } } }));
  if (opts.json) printJson(io, res);
  else
    io.stdout(
      `${runLine(res.run)}\n${table(
        ['at', 'status'],
        res.events.map((e) => [e.at, e.status]),
      )}`,
    );
  return EXIT.ok;
}

export async function listRuns(_args: string[], opts: GlobalOptions & { dataset?: string }, io: CliIo): Promise<ExitCode> {
  const api = clientFor(opts, io);
  const dataset = opts.dataset ? await resolveDataset(api, opts.dataset) : undefined;
  const page = await api.data(api.GET('/v1/runs', { params: { query: dataset ? { dataset } : {} } }));
  if (opts.json) printJson(io, page);
  else
    io.stdout(
      table(
        ['id', 'dataset', 'backend', 'status', 'external id', 'created'],
        page.items.map((r) => [r.id.slice(0, 8), r.datasetId, r.backend, r.status, r.externalId ?? '', r.createdAt]),
      ),
    );
  return EXIT.ok;
}

export async function cancelRun([ref]: string[], opts: GlobalOptions, io: CliIo): Promise<ExitCode> {
  const api = clientFor(opts, io);
  const id = await resolveRun(api, ref!);
  const run = await api.data(api.POST('/v1/runs/{id}/cancel', { params: { path: { id } } }));
  if (opts.json) printJson(io, run);
  else io.stdout(runLine(run));
  return EXIT.ok;
}

import { InputError } from '@rft/contracts';
import { DatasetFormat, DatasetNotFoundError, pullDataset, TamperedShardError } from '@rft/dataset';
import { parse as parseYaml } from 'yaml';
import { clientFor, parseCommand, positional, printJson, type CliIo } from './cli-context.ts';
import { CliError, EXIT, type ExitCode } from './exit-codes.ts';
import { presignedDatasetStore } from './presigned-store.ts';
import { table } from './render.ts';

interface Dataset {
  id: string;
  campaignId: string;
  name: string;
  rowCount: number;
  manifestSha256: string;
  createdAt: string;
}

interface Run {
  id: string;
  datasetId: string;
  backend: string;
  status: string;
  externalId: string | null;
  error: string | null;
  createdAt: string;
}

const DATASETS_USAGE =
  'rft datasets list [--campaign ID] [--json] | rft datasets show <id|name[@latest]> | rft datasets pull <id> <dir> [--format parquet|jsonl|trl|axolotl|llama-factory]';

export async function datasets(args: readonly string[], io: CliIo): Promise<ExitCode> {
  const [sub, ...rest] = args;
  const p = parseCommand(
    rest,
    { campaign: { type: 'string' }, limit: { type: 'string', default: '50' }, format: { type: 'string' } },
    DATASETS_USAGE,
  );
  switch (sub) {
    case 'list': {
      const qs = new URLSearchParams({ limit: p.values.limit ?? '50' });
      if (p.values.campaign) qs.set('campaign', p.values.campaign);
      const page = await clientFor(p.values, io).get<{ items: Dataset[] }>(`/v1/datasets?${qs}`);
      if (p.values.json) printJson(io, page);
      else
        io.stdout(
          table(
            ['id', 'name', 'campaign', 'rows', 'created'],
            page.items.map((d) => [d.id, d.name, d.campaignId, d.rowCount, d.createdAt]),
          ),
        );
      return EXIT.ok;
    }
    case 'show': {
      const id = positional(p, 0, 'id', DATASETS_USAGE);
      const res = await clientFor(p.values, io).get<{ dataset: Dataset; manifest: unknown }>(`/v1/datasets/${encodeURIComponent(id)}`);
      printJson(io, res);
      return EXIT.ok;
    }
    case 'pull': {
      const id = positional(p, 0, 'id', DATASETS_USAGE);
      const dir = positional(p, 1, 'dir', DATASETS_USAGE);
      return await pull(id, dir, p.values.format ?? 'parquet', p.values, io);
    }
    default:
      throw new CliError(EXIT.usage, `unknown datasets command ${JSON.stringify(sub ?? '')}\nusage: ${DATASETS_USAGE}`);
  }
}

/**
 * Downloads one export of a dataset version with the curator's pull (sha256 of every file checked
 * against the manifest, interrupted downloads resumed), reading through the API's presigned links.
 */
async function pull(
  datasetId: string,
  dir: string,
  formatName: string,
  values: { 'api-url'?: string | undefined; token?: string | undefined; json?: boolean | undefined },
  io: CliIo,
): Promise<ExitCode> {
  const format = DatasetFormat.safeParse(formatName);
  if (!format.success)
    throw new CliError(EXIT.usage, `--format must be one of ${DatasetFormat.options.join(', ')}, got ${JSON.stringify(formatName)}`);
  const store = presignedDatasetStore(clientFor(values, io), datasetId);
  try {
    const result = await pullDataset({ store, datasetId, outDir: dir, format: format.data });
    if (values.json) printJson(io, { datasetId, format: result.format, dir: result.dir, files: result.files });
    else {
      const lines = result.files.map((f) => `${f.action.padEnd(15)} ${f.path}  ${f.bytes} bytes  sha256 ${f.sha256}`);
      io.stdout(
        [...lines, `dataset ${datasetId} (${result.format}, ${result.manifest.counts.kept} rows) verified in ${result.dir}`].join('\n'),
      );
    }
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CliError) throw error;
    if (error instanceof TamperedShardError)
      throw new CliError(EXIT.failure, `${error.message}\nthe damaged file was deleted; report the dataset id to the curator's owners`);
    if (error instanceof DatasetNotFoundError) throw new CliError(EXIT.notFound, error.message);
    if (error instanceof InputError) throw new CliError(EXIT.invalidInput, error.message);
    throw error;
  }
}

const RUNS_USAGE =
  'rft runs launch <dataset> --backend slurm|kubernetes|bundle --profile FILE [--config FILE] | rft runs status <run> | rft runs list | rft runs cancel <run>';

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

export async function runs(args: readonly string[], io: CliIo): Promise<ExitCode> {
  const [sub, ...rest] = args;
  const p = parseCommand(
    rest,
    { backend: { type: 'string' }, profile: { type: 'string' }, config: { type: 'string' }, dataset: { type: 'string' } },
    RUNS_USAGE,
  );
  const api = () => clientFor(p.values, io);
  switch (sub) {
    case 'launch': {
      const datasetId = positional(p, 0, 'dataset', RUNS_USAGE);
      if (!p.values.backend || !p.values.profile)
        throw new CliError(EXIT.usage, `--backend and --profile are required\nusage: ${RUNS_USAGE}`);
      const profile = await readStructured(io, p.values.profile, 'profile');
      const config = p.values.config ? await readStructured(io, p.values.config, 'config') : {};
      const run = await api().post<Run>('/v1/runs', { datasetId, backend: p.values.backend, profile, config });
      if (p.values.json) printJson(io, run);
      else io.stdout(`${runLine(run)}\nfollow it with: rft runs status ${run.id}`);
      return run.status === 'rejected' || run.status === 'failed' ? EXIT.failure : EXIT.ok;
    }
    case 'status': {
      const id = positional(p, 0, 'run', RUNS_USAGE);
      const res = await api().get<{ run: Run; events: Array<{ status: string; at: string }> }>(`/v1/runs/${encodeURIComponent(id)}`);
      if (p.values.json) printJson(io, res);
      else
        io.stdout(
          `${runLine(res.run)}\n${table(
            ['at', 'status'],
            res.events.map((e) => [e.at, e.status]),
          )}`,
        );
      return EXIT.ok;
    }
    case 'list': {
      const qs = p.values.dataset ? `?dataset=${encodeURIComponent(p.values.dataset)}` : '';
      const page = await api().get<{ items: Run[] }>(`/v1/runs${qs}`);
      if (p.values.json) printJson(io, page);
      else
        io.stdout(
          table(
            ['id', 'dataset', 'backend', 'status', 'external id', 'created'],
            page.items.map((r) => [r.id, r.datasetId, r.backend, r.status, r.externalId ?? '', r.createdAt]),
          ),
        );
      return EXIT.ok;
    }
    case 'cancel': {
      const id = positional(p, 0, 'run', RUNS_USAGE);
      const run = await api().post<Run>(`/v1/runs/${encodeURIComponent(id)}/cancel`);
      if (p.values.json) printJson(io, run);
      else io.stdout(runLine(run));
      return EXIT.ok;
    }
    default:
      throw new CliError(EXIT.usage, `unknown runs command ${JSON.stringify(sub ?? '')}\nusage: ${RUNS_USAGE}`);
  }
}

import { clientFor, intOption, printJson, type CliIo, type GlobalOptions } from './cli-context.ts';
import { CliError, EXIT, type ExitCode } from './exit-codes.ts';
import { presignedDatasetStore } from './presigned-store.ts';
import { table } from './render.ts';
import { resolveCampaign, resolveDataset } from './resolve-ref.ts';

export async function listDatasets(
  _args: string[],
  opts: GlobalOptions & { campaign?: string; limit?: string },
  io: CliIo,
): Promise<ExitCode> {
  const api = clientFor(opts, io);
  const limit = intOption(opts.limit ?? '50', 'limit')!;
  const campaign = opts.campaign ? await resolveCampaign(api, opts.campaign) : undefined;
  const page = await api.data(api.GET('/v1/datasets', { params: { query: { limit, ...(campaign ? { campaign } : {}) } } }));
  if (opts.json) printJson(io, page);
  else
    io.stdout(
      table(
        ['id', 'name', 'campaign', 'rows', 'created'],
        page.items.map((d) => [d.id, d.name, d.campaignId.slice(0, 8), d.rowCount, d.createdAt]),
      ),
    );
  return EXIT.ok;
}

interface DatasetManifestSummary {
  counts?: { kept?: number };
  exports?: Record<string, { files?: unknown[] }>;
}

export async function showDataset([ref]: string[], opts: GlobalOptions, io: CliIo): Promise<ExitCode> {
  const api = clientFor(opts, io);
  const id = await resolveDataset(api, ref!);
  const res = await api.data(api.GET('/v1/datasets/{id}', { params: { path: { id } } }));
  const manifest = res.manifest as DatasetManifestSummary;
  if (opts.json) {
    printJson(io, res);
    return EXIT.ok;
  }
  const d = res.dataset;
  const exports = Object.entries(manifest.exports ?? {}).map(([format, e]) => `${format} (${e.files?.length ?? 0} files)`);
  io.stdout(
    [
      `dataset ${d.id}  ${d.name}`,
      `campaign:  ${d.campaignId}`,
      `rows:      ${d.rowCount}`,
      `created:   ${d.createdAt}`,
      `manifest:  sha256 ${d.manifestSha256}`,
      `exports:   ${exports.join(', ') || 'none'}`,
      '',
      `pull it with: rft datasets pull ${d.id} <dir> [--format parquet|jsonl|trl|axolotl|llama-factory]`,
      `the whole manifest: rft datasets show ${d.id} --json`,
    ].join('\n'),
  );
  return EXIT.ok;
}

/**
 * Downloads one export of a dataset version with `@rft/dataset`'s pull (sha256 of every file checked
 * against the manifest, interrupted downloads resumed), reading through the API's presigned links.
 */
export async function pullCommand([ref, dir]: string[], opts: GlobalOptions & { format?: string }, io: CliIo): Promise<ExitCode> {
  const { DatasetFormat, DatasetNotFoundError, pullDataset, TamperedShardError } = await import('@rft/dataset');
  const { InputError } = await import('@rft/contracts');
  const formatName = opts.format ?? 'parquet';
  const format = DatasetFormat.safeParse(formatName);
  if (!format.success)
    throw new CliError(EXIT.usage, `--format must be one of ${DatasetFormat.options.join(', ')}, got ${JSON.stringify(formatName)}`);
  const api = clientFor(opts, io);
  const datasetId = await resolveDataset(api, ref!);
  const store = presignedDatasetStore(api, datasetId);
  try {
    const result = await pullDataset({ store, datasetId, outDir: dir!, format: format.data });
    if (opts.json) printJson(io, { datasetId, format: result.format, dir: result.dir, files: result.files });
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

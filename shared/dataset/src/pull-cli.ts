/**
 * Standalone dataset download: `node shared/dataset/src/pull-cli.ts <datasetId> -o DIR [--format parquet]`.
 * S3 settings come from S3_ENDPOINT, S3_BUCKET, S3_PREFIX, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, S3_REGION.
 * Exit codes: 0 ok, 2 bad usage or input, 3 tampered shard, 1 anything else.
 */
import { parseArgs } from 'node:util';
import { InputError } from '@rft/contracts';
import { TamperedShardError } from './errors.ts';
import { DatasetFormat } from './manifest.ts';
import { pullDataset } from './pull-dataset.ts';
import { storeFromEnv } from './store-from-env.ts';

const USAGE = 'usage: pull-cli.ts <datasetId> -o DIR [--format parquet|jsonl|trl|axolotl|llama-factory]';

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { out: { type: 'string', short: 'o' }, format: { type: 'string', short: 'f' } },
  });
  const datasetId = positionals[0];
  if (!datasetId || !values.out || positionals.length > 1) throw new InputError(USAGE);
  const format = DatasetFormat.safeParse(values.format ?? 'parquet');
  if (!format.success) throw new InputError(`--format: ${JSON.stringify(values.format)} is not one of ${DatasetFormat.options.join(', ')}`);
  const { store, close } = storeFromEnv(process.env);
  try {
    const result = await pullDataset({ store, datasetId, outDir: values.out, format: format.data });
    for (const f of result.files) process.stdout.write(`${f.action.padEnd(15)} ${f.path} ${f.bytes} bytes sha256 ${f.sha256}\n`);
    process.stdout.write(`dataset ${datasetId} (${format.data}, ${result.manifest.counts.kept} rows) verified in ${result.dir}\n`);
    return 0;
  } finally {
    close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(error instanceof InputError ? 2 : error instanceof TamperedShardError ? 3 : 1);
  },
);

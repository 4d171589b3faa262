import { qwenTokenizerFiles, writeTestDataset, type StoredTestDataset } from '@rft/dataset/testing';
import type { Db } from '@rft/db';
import type { ObjectStore } from '@rft/storage';

/**
 * A real dataset version in `store`, registered in the ledger (training_runs.dataset_id references
 * datasets, which references campaigns), as the curator leaves it.
 */
export async function ledgerDataset(db: Db, store: ObjectStore, rows = 4): Promise<StoredTestDataset & { tokenizerPath: string }> {
  const files = qwenTokenizerFiles();
  const result = await writeTestDataset(store, { rows, rowsPerShard: rows });
  const campaign = await db
    .insertInto('campaigns')
    .values({ name: 'launch-test', team: 'training', spec: JSON.stringify({}), question_count: rows })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db
    .insertInto('datasets')
    .values({
      id: result.datasetId,
      campaign_id: campaign.id,
      name: 'launch-test',
      selection: JSON.stringify({}),
      storage_prefix: result.prefix,
      manifest_key: `${result.prefix}/manifest.json`,
      row_count: result.manifest.counts.kept,
      manifest_sha256: result.manifest.contentSha256,
    })
    .execute();
  return { ...result, tokenizerPath: files.tokenizerJsonPath };
}

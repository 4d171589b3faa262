import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { InputError } from '@rft/contracts';
import { pullDataset } from '@rft/dataset';
import { bundlePrefix, createBundleBackend } from './backends/bundle.ts';
import { createLauncher } from './launcher.ts';
import { datasetFixture } from './testing/dataset-fixture.ts';

let fixture: Awaited<ReturnType<typeof datasetFixture>>;
let scratch: string;
beforeAll(async () => {
  fixture = await datasetFixture();
  scratch = await mkdtemp(join(tmpdir(), 'rft-launcher-test-'));
});
afterAll(async () => {
  await fixture?.s3.close();
  await rm(scratch, { recursive: true, force: true });
});

function setup() {
  return createLauncher({ store: fixture.s3.store, backends: { bundle: createBundleBackend({ store: fixture.s3.store }) } });
}
const request = { runId: 'run-bundle', datasetId: '', backend: 'bundle' as const };

describe('launcher with the bundle backend', () => {
  it('writes everything an external launcher needs, and its preflight passes on the pulled dataset', async () => {
    const launcher = setup();
    const plan = await launcher.plan({ ...request, datasetId: fixture.dataset.datasetId, tokenizerPath: fixture.tokenizerPath });
    const run = await launcher.submit('bundle', plan);
    expect(run).toEqual({ status: 'unknown', externalId: bundlePrefix('run-bundle') });
    const keys: string[] = [];
    for await (const o of fixture.s3.store.list(`${bundlePrefix('run-bundle')}/`)) keys.push(o.key.split('/').pop()!);
    expect(keys.sort()).toEqual([
      'README.txt',
      'ds_config.json',
      'hostfile',
      'job.sbatch',
      'plan.json',
      'preflight.py',
      'pytorchjob.yaml',
      'training_args.json',
    ]);
    const get = async (name: string) =>
      Buffer.from((await fixture.s3.store.get(`${bundlePrefix('run-bundle')}/${name}`))!).toString('utf8');
    expect(parse(await get('pytorchjob.yaml'))).toMatchObject({
      kind: 'PyTorchJob',
      spec: { pytorchReplicaSpecs: { Worker: { replicas: 3 } } },
    });
    expect(await get('hostfile')).toBe('node-1 slots=8\nnode-2 slots=8\nnode-3 slots=8\nnode-4 slots=8\n');

    // Run the shipped preflight with the system python against a pulled copy of the dataset.
    const dir = join(scratch, 'bundle');
    const datasetDir = join(dir, 'dataset');
    await pullDataset({ store: fixture.s3.store, datasetId: fixture.dataset.datasetId, outDir: datasetDir, format: 'trl' });
    for (const name of ['plan.json', 'preflight.py']) await writeFile(join(dir, name), await get(name));
    const py = (args: string[]) =>
      promisify(execFile)(
        '/usr/bin/python3',
        [join(dir, 'preflight.py'), '--plan', join(dir, 'plan.json'), '--dataset-dir', datasetDir, ...args],
        { env: {} },
      );
    const ok = await py(['--tokenizer', fixture.tokenizerPath]);
    expect(ok.stdout).toContain('preflight ok: run run-bundle');
    expect(ok.stdout).toContain('world 32, train_batch_size 128 = 1 x 4 x 32');

    // A shard altered after the pull, and a job started on the wrong number of nodes, both fail.
    const shard = join(datasetDir, fixture.dataset.manifest.exports.trl.files[0]!.path);
    const bytes = await readFile(shard);
    bytes[100]! ^= 0xff;
    await writeFile(shard, bytes);
    const failed = (await py(['--nnodes', '2']).catch((e: unknown) => e)) as { code: number; stderr: string };
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('preflight: allocated 2 nodes but the plan is for cluster.nodes=4');
    expect(failed.stderr).toContain('preflight: deepspeed: train_batch_size 128 != micro 1 x grad_accum 4 x world 16');
    expect(failed.stderr).toMatch(/preflight: dataset: trl\/data\/train-00000-of-00003\.parquet has sha256 [0-9a-f]{64}, manifest says/);
  });
});

describe('launcher bad input: refused before anything is submitted', () => {
  it('refuses a profile whose batch does not divide', async () => {
    await expect(
      setup().plan({ ...request, datasetId: fixture.dataset.datasetId, profile: { batch: { globalBatch: 120 } } }),
    ).rejects.toThrow(/batch.globalBatch: 120 is not divisible by .* = 32/);
  });

  it('refuses a tokenizer file that does not match the manifest hash', async () => {
    const other = join(scratch, 'other-tokenizer.json');
    await writeFile(other, (await readFile(fixture.tokenizerPath, 'utf8')).replace('"NFC"', '"NFKC"'));
    const error = await setup()
      .plan({ ...request, datasetId: fixture.dataset.datasetId, tokenizerPath: other })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toContain(
      `but ${fixture.dataset.manifest.model.tokenizer.sha256} is expected (manifest model.tokenizer.sha256)`,
    );
  });

  it('refuses an unknown dataset and an unconfigured backend', async () => {
    await expect(setup().plan({ ...request, datasetId: 'ds-00000000000000000000dead' })).rejects.toThrow(
      /dataset ds-00000000000000000000dead: no datasets\//,
    );
    await expect(setup().plan({ ...request, datasetId: fixture.dataset.datasetId, backend: 'slurm' })).rejects.toThrow(
      'backend: "slurm" is not configured (configured: bundle)',
    );
  });
});

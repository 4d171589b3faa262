import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import {
  completeItemAsWorkers,
  createApiFixture,
  itemsOf,
  questionsJsonl,
  seedCampaign,
  specYaml,
  type ApiFixture,
} from '@rft/api/testing';
import { writeTestDataset } from '@rft/dataset/testing';
import { transitionTrainingRun } from '@rft/db';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createCliHarness } from './cli-test-harness.ts';
import { EXIT } from './exit-codes.ts';

/** The first `node` on PATH outside node_modules: what a user's shell runs (Node 20 on some machines). */
function systemNode(): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'node');
    if (!dir.includes('node_modules') && existsSync(candidate)) return candidate;
  }
  return process.execPath;
}

let fx: ApiFixture;
let cli: Awaited<ReturnType<typeof createCliHarness>>;
let url: string;

beforeAll(async () => {
  fx = await createApiFixture();
  await fx.app.listen({ host: '127.0.0.1', port: 0 });
  const address = fx.app.server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  cli = await createCliHarness(url);
});
afterAll(async () => {
  await cli.cleanup();
  await fx.close();
});

describe('errors say what to do and exit with a meaningful code', () => {
  test('invalid spec and questions are refused locally, naming file, line and field, and nothing is sent', async () => {
    const spec = await cli.file('bad-spec.yaml', specYaml().replace('recipe: rft', 'recipe: nope'));
    const questions = await cli.file('bad.jsonl', `${questionsJsonl(1)}\n{"id":"x","kind":"math","problem":"p"}\n`);
    const before = await fx.env.db
      .selectFrom('campaigns')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    const badSpec = await cli.run(['submit', spec, questions], { token: fx.tokens.submitter });
    expect(badSpec.code).toBe(EXIT.invalidInput);
    expect(badSpec.stderr).toContain(`${spec}: stages.0.recipe: unknown recipe "nope"`);
    expect(badSpec.stderr).toContain('nothing was sent');
    const goodSpec = await cli.file('spec.yaml', specYaml());
    const badQuestions = await cli.run(['submit', goodSpec, questions], { token: fx.tokens.submitter });
    expect(badQuestions.code).toBe(EXIT.invalidInput);
    expect(badQuestions.stderr).toContain(`${questions}:2: answer:`);
    const after = await fx.env.db
      .selectFrom('campaigns')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
    const dry = await cli.run(['submit', goodSpec, await cli.file('ok.jsonl', questionsJsonl(3)), '--dry-run']);
    expect([dry.code, dry.stdout]).toEqual([0, 'valid: campaign "gsm-rft" with 3 questions (dry run, nothing sent)']);
    const missing = await cli.run(['submit', goodSpec, '/nonexistent.jsonl'], { token: fx.tokens.submitter });
    expect([missing.code, missing.stderr]).toEqual([EXIT.invalidInput, 'rft: cannot read the question file /nonexistent.jsonl: ENOENT']);
  });

  test('auth, usage, invalid input, not found, conflict and unreachable each have their code', async () => {
    const noToken = await cli.run(['campaigns']);
    expect([noToken.code, noToken.stderr]).toEqual([EXIT.auth, 'rft: no API token: set RFT_TOKEN or pass --token']);
    const badToken = await cli.run(['campaigns'], { token: 'wrong' });
    expect(badToken.code).toBe(EXIT.auth);
    expect(badToken.stderr).toContain('check RFT_TOKEN');
    expect((await cli.run(['frobnicate'])).code).toBe(EXIT.usage);
    const usage = await cli.run(['status'], { token: fx.tokens.operator });
    expect([usage.code, usage.stderr]).toEqual([EXIT.usage, "rft: missing required argument 'campaign'\n(add --help for usage)"]);
    expect((await cli.run(['status', 'x', '--bogus'], { token: fx.tokens.operator })).code).toBe(EXIT.usage);
    const unknown = await cli.run(['status', '00000000-0000-4000-8000-000000000000'], { token: fx.tokens.operator });
    expect(unknown.code).toBe(EXIT.notFound);
    const noSuchName = await cli.run(['status', 'no-such-campaign'], { token: fx.tokens.operator });
    expect([noSuchName.code, noSuchName.stderr]).toEqual([
      EXIT.notFound,
      'rft: no campaign has the id, name or id prefix "no-such-campaign" (list them with: rft campaigns)',
    ]);
    const id = await seedCampaign(fx.env.db, { name: 'codes' });
    expect((await cli.run(['resume', id], { token: fx.tokens.operator })).code).toBe(EXIT.conflict);
    const down = await cli.run(['campaigns'], { token: fx.tokens.operator, url: 'http://127.0.0.1:9' });
    expect(down.code).toBe(EXIT.unreachable);
    expect(down.stderr).toContain('cannot reach the API at http://127.0.0.1:9');
    const badId = await cli.run(['datasets', 'pull', 'ds-1', join(cli.dir, 'nowhere')], { token: fx.tokens.launcher });
    expect([badId.code, badId.stderr]).toEqual([
      EXIT.notFound,
      'rft: no dataset has the id, name or id prefix "ds-1" (list them with: rft datasets list)',
    ]);
    const unknownDataset = await cli.run(['datasets', 'pull', `ds-${'0'.repeat(16)}`, join(cli.dir, 'nowhere')], {
      token: fx.tokens.launcher,
    });
    expect(unknownDataset.code).toBe(EXIT.notFound);
    const jsonError = await cli.run(['status', '00000000-0000-4000-8000-000000000000', '--json'], { token: fx.tokens.operator });
    expect(JSON.parse(jsonError.stderr).error.exitCode).toBe(EXIT.notFound);
  });
});

describe('campaigns, datasets and runs are addressed by id, name or short id prefix', () => {
  test('a unique name or prefix resolves; a shared name is an error listing the candidates', async () => {
    const only = await seedCampaign(fx.env.db, { name: 'resolve-only' });
    const dupA = await seedCampaign(fx.env.db, { name: 'resolve-twice' });
    const dupB = await seedCampaign(fx.env.db, { name: 'resolve-twice' });
    const byName = await cli.run(['status', 'resolve-only', '--json'], { token: fx.tokens.operator });
    expect([byName.code, byName.json().campaign.id]).toEqual([0, only]);
    const byPrefix = await cli.run(['status', only.slice(0, 8), '--json'], { token: fx.tokens.operator });
    expect([byPrefix.code, byPrefix.json().campaign.id]).toEqual([0, only]);
    const ambiguous = await cli.run(['pause', 'resolve-twice'], { token: fx.tokens.operator });
    expect(ambiguous.code).toBe(EXIT.usage);
    expect(ambiguous.stderr).toContain('"resolve-twice" matches 2 campaigns; use a longer id prefix:');
    expect(ambiguous.stderr).toContain(`  ${dupA.slice(0, 8)}  resolve-twice  running`);
    expect(ambiguous.stderr).toContain(`  ${dupB.slice(0, 8)}  resolve-twice  running`);
    const list = await cli.run(['campaigns', '--name', 'resolve-only'], { token: fx.tokens.operator });
    expect(list.stdout).toMatch(new RegExp(`^${only.slice(0, 8)}\\s+resolve-only`, 'm'));
  });
});

describe('commands', () => {
  test('submit, list, pause, budget, resume and status round-trip through the API', async () => {
    const spec = await cli.file('round.yaml', specYaml({ name: 'round-trip' }));
    const questions = await cli.file('round.jsonl', questionsJsonl(4));
    const submitted = await cli.run(['submit', spec, questions, '--budget-tokens', '5000000'], { token: fx.tokens.submitter });
    expect(submitted.code, submitted.stderr).toBe(0);
    const id = /submitted campaign ([0-9a-f-]{36})/.exec(submitted.stdout)![1]!;
    expect(submitted.stdout).toContain(`rft status ${id} --watch`);
    const list = await cli.run(['campaigns', '--name', 'round-trip', '--json'], { token: fx.tokens.submitter });
    expect(list.json().items.map((c: { id: string }) => c.id)).toEqual([id]);
    expect((await cli.run(['campaigns', '--name', 'round-trip'], { token: fx.tokens.submitter })).stdout).toMatch(
      /round-trip\s+vision\s+running\s+4/,
    );
    expect((await cli.run(['pause', id, '--reason', 'prompt bug'], { token: fx.tokens.submitter })).stdout).toBe(
      `campaign ${id}: running -> paused`,
    );
    const status = await cli.run(['status', id], { token: fx.tokens.submitter });
    expect(status.stdout).toContain('status: paused - paused by alice: prompt bug');
    expect(status.stdout).toContain('sampled   [........................]   0%  0/16 samples');
    expect(status.stdout).toContain('graded    [........................]   0%  0/16 graded');
    expect(status.stdout).toContain('budget: 0/5.00M tokens');
    expect((await cli.run(['budget', id, '--gpu-hours', '2'], { token: fx.tokens.submitter })).stdout).toBe(
      `budget of ${id}: no token limit, 2 GPU-hour limit`,
    );
    expect((await cli.run(['resume', id], { token: fx.tokens.submitter })).code).toBe(0);
    const [item] = await itemsOf(fx.env.db, id);
    await completeItemAsWorkers(fx.env.db, item!);
    const byShard = await cli.run(['cost', id, '--by', 'shard'], { token: fx.tokens.submitter });
    expect(byShard.stdout).toMatch(/^0\s+4\s+2\s+800\s+600\s+1440\s+6\.1\s+-\s+-\s+720\s+3\.03$/m);
    expect(byShard.stdout).toMatch(/^total\s+4\s+2\s+800/m);
    expect((await cli.run(['cost', id, '--by', 'question'], { token: fx.tokens.submitter })).code).toBe(EXIT.usage);
  });

  test('submit --upload sends the questions zstd-compressed through a presigned PUT and registers them by key', async () => {
    const spec = await cli.file('upload.yaml', specYaml({ name: 'uploaded' }));
    const questions = await cli.file('upload.jsonl', questionsJsonl(7));
    const res = await cli.run(['submit', spec, questions, '--upload', '--json'], { token: fx.tokens.submitter });
    expect(res.code, res.stderr).toBe(0);
    expect(res.json().questions).toBe(7);
    const uploaded: string[] = [];
    for await (const item of fx.env.store.list('uploads/vision/')) uploaded.push(item.key);
    expect(uploaded.some((k) => k.endsWith('.jsonl.zst'))).toBe(true);
  });

  test('status --watch redraws until the campaign settles, and its exit code says how it ended', async () => {
    const id = await seedCampaign(fx.env.db, { name: 'watched' });
    let sleeps = 0;
    const watched = await cli.run(['status', id, '--watch', '--interval', '1'], {
      token: fx.tokens.operator,
      onSleep: async () => {
        sleeps += 1;
        if (sleeps === 2) await fx.env.db.updateTable('campaigns').set({ status: 'completed' }).where('id', '=', id).execute();
      },
    });
    expect(watched.code).toBe(0);
    expect(sleeps).toBe(2);
    expect(watched.stdout.match(/status: /g)).toHaveLength(3);
    await fx.env.db.updateTable('campaigns').set({ status: 'running' }).where('id', '=', id).execute();
    const cancelled = await cli.run(['status', id, '--watch'], {
      token: fx.tokens.operator,
      onSleep: async () => void (await fx.env.db.updateTable('campaigns').set({ status: 'cancelled' }).where('id', '=', id).execute()),
    });
    expect(cancelled.code).toBe(EXIT.campaignCancelled);
    await fx.env.db.updateTable('campaigns').set({ status: 'running' }).where('id', '=', id).execute();
    const failed = await cli.run(['status', id, '--watch'], {
      token: fx.tokens.operator,
      onSleep: async () => void (await fx.env.db.updateTable('campaigns').set({ status: 'failed' }).where('id', '=', id).execute()),
    });
    expect(failed.code).toBe(EXIT.campaignFailed);
  });

  test('quarantine, and runs launch / status / list / cancel', async () => {
    const id = await seedCampaign(fx.env.db, { name: 'ops' });
    const noReason = await cli.run(['quarantine', id, 'q1'], { token: fx.tokens.operator });
    expect(noReason.code).toBe(EXIT.usage);
    const q = await cli.run(['quarantine', id, 'q1', '--reason', 'loops forever'], { token: fx.tokens.operator });
    expect(q.stdout).toBe('quarantined question q1 (stages rft)');

    const profile = await cli.file('profile.yaml', 'nodes: 4\ngpusPerNode: 8\npartition: a100\n');
    const noDataset = await cli.run(['runs', 'launch', 'ds-none', '--backend', 'slurm', '--profile', profile], {
      token: fx.tokens.launcher,
    });
    expect(noDataset.code).toBe(EXIT.notFound);
    expect(noDataset.stderr).toContain('no dataset has the id, name or id prefix "ds-none"');
    await fx.env.db
      .insertInto('datasets')
      .values({
        id: 'ds-ops',
        campaign_id: id,
        name: 'ops-v1',
        selection: '{}',
        storage_prefix: 'datasets/ds-ops',
        manifest_key: 'datasets/ds-ops/manifest.json',
        row_count: 1,
        manifest_sha256: 'a'.repeat(64),
      })
      .execute();
    const datasets = await cli.run(['datasets', 'list', '--campaign', id], { token: fx.tokens.launcher });
    expect(datasets.stdout).toMatch(/ds-ops\s+ops-v1/);
    const shown = await cli.run(['datasets', 'show', 'ops-v1'], { token: fx.tokens.launcher });
    expect([shown.code, shown.stderr]).toEqual([EXIT.notFound, expect.stringContaining('the manifest of dataset ds-ops is missing')]);
    const launched = await cli.run(['runs', 'launch', 'ops-v1', '--backend', 'slurm', '--profile', profile, '--json'], {
      token: fx.tokens.launcher,
    });
    expect(launched.code, launched.stderr).toBe(0);
    const run = launched.json();
    expect(run).toMatchObject({ status: 'submitting', backend: 'slurm', profile: { nodes: 4, gpusPerNode: 8, partition: 'a100' } });
    // The launcher service records what the cluster says.
    await transitionTrainingRun(fx.env.db, { id: run.id, to: 'running', externalId: `slurm-${run.id.slice(0, 8)}`, at: new Date() });
    const st = await cli.run(['runs', 'status', run.id.slice(0, 6)], { token: fx.tokens.launcher });
    expect(st.stdout).toContain(`run ${run.id}: running (slurm slurm-${run.id.slice(0, 8)})`);
    expect((await cli.run(['runs', 'list'], { token: fx.tokens.operator })).stdout).toContain(run.id.slice(0, 8));
    const cancel = await cli.run(['runs', 'cancel', run.id], { token: fx.tokens.launcher });
    expect(cancel.code, cancel.stderr).toBe(0);
    expect(await fx.queues.exists('cancel-run', { runId: run.id })).toBe(true);
  });

  test('datasets pull downloads and verifies a curated version through presigned links, and refuses a tampered one', async () => {
    const id = await seedCampaign(fx.env.db, { name: 'pulled' });
    const built = await writeTestDataset(fx.env.store, { rows: 20, rowsPerShard: 8 });
    await fx.env.db
      .insertInto('datasets')
      .values({
        id: built.datasetId,
        campaign_id: id,
        name: 'pulled-v1',
        selection: '{}',
        storage_prefix: built.prefix,
        manifest_key: `${built.prefix}/manifest.json`,
        row_count: built.manifest.counts.kept,
        manifest_sha256: built.manifest.contentSha256,
      })
      .execute();
    const out = join(cli.dir, 'pulled');
    const shown = await cli.run(['datasets', 'show', built.datasetId.slice(3, 11)], { token: fx.tokens.launcher });
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(`dataset ${built.datasetId}  pulled-v1`);
    expect(shown.stdout).toMatch(/exports: .*parquet \(\d+ files\)/);
    const first = await cli.run(['datasets', 'pull', 'pulled-v1', out, '--json'], { token: fx.tokens.launcher });
    expect(first.code, first.stderr).toBe(0);
    const files = first.json().files as Array<{ path: string; sha256: string; action: string }>;
    expect(files.length).toBe(built.manifest.exports.parquet.files.length);
    expect(new Set(files.map((f) => f.action))).toEqual(new Set(['downloaded']));
    for (const f of files)
      expect(
        createHash('sha256')
          .update(await readFile(join(out, f.path)))
          .digest('hex'),
      ).toBe(f.sha256);
    expect(JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')).datasetId).toBe(built.datasetId);
    const again = await cli.run(['datasets', 'pull', built.datasetId, out], { token: fx.tokens.launcher });
    expect(again.stdout).toMatch(/^already-present/m);
    const trl = await cli.run(['datasets', 'pull', built.datasetId, join(cli.dir, 'trl'), '--format', 'trl'], {
      token: fx.tokens.launcher,
    });
    expect(trl.code, trl.stderr).toBe(0);

    const shard = built.manifest.exports.parquet.files[0]!;
    await fx.env.store.put(`${built.prefix}/${shard.path}`, new Uint8Array(shard.bytes).fill(7));
    const tampered = await cli.run(['datasets', 'pull', built.datasetId, join(cli.dir, 'tampered')], { token: fx.tokens.launcher });
    expect(tampered.code).toBe(EXIT.failure);
    expect(tampered.stderr).toContain(`${shard.path} has sha256`);
    expect((await cli.run(['datasets', 'pull', built.datasetId, out, '--format', 'csv'], { token: fx.tokens.launcher })).code).toBe(
      EXIT.usage,
    );
  });

  test('admins create, list and revoke tokens; the new secret works at once', async () => {
    const created = await cli.run(['tokens', 'create', '--name', 'ci-bot', '--role', 'submitter', '--team', 'vision', '--json'], {
      token: fx.tokens.admin,
    });
    expect(created.code, created.stderr).toBe(0);
    const { id, token } = created.json();
    expect((await cli.run(['campaigns'], { token })).code).toBe(0);
    expect((await cli.run(['tokens', 'list'], { token: fx.tokens.admin })).stdout).toMatch(
      new RegExp(`${id}\\s+ci-bot\\s+submitter\\s+vision`),
    );
    expect((await cli.run(['tokens', 'list'], { token: fx.tokens.operator })).code).toBe(EXIT.auth);
    const missingTeam = await cli.run(['tokens', 'create', '--name', 'x', '--role', 'submitter'], { token: fx.tokens.admin });
    expect([missingTeam.code, missingTeam.stderr.split('\n')[0]]).toEqual([
      EXIT.invalidInput,
      'rft: body.team: a submitter token needs the team it submits for',
    ]);
    expect((await cli.run(['tokens', 'revoke', id], { token: fx.tokens.admin })).stdout).toBe(`revoked token ${id}`);
    expect((await cli.run(['campaigns'], { token })).code).toBe(EXIT.auth);
  });

  test('the installed bin runs as a separate process with RFT_API_URL and RFT_TOKEN, under this Node and the system one', async () => {
    const bin = join(import.meta.dirname, '..', 'bin', 'rft.js');
    for (const node of [process.execPath, systemNode()]) {
      const { stdout } = await promisify(execFile)(node, [bin, 'campaigns', '--json', '--limit', '2'], {
        env: { ...process.env, RFT_API_URL: url, RFT_TOKEN: fx.tokens.operator },
      });
      expect(JSON.parse(stdout).items.length).toBeGreaterThan(0);
      const failed = await promisify(execFile)(node, [bin, 'campaigns'], {
        env: { ...process.env, RFT_API_URL: url, RFT_TOKEN: '' },
      }).catch((e: { code: number; stderr: string }) => e);
      expect(failed).toMatchObject({ code: EXIT.auth });
    }
  });
});

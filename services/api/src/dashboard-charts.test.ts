/** The dashboard's charts (uPlot) and dataset link, in headless Chromium: full series, legends, no console errors. */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { insertDataset, insertTrainingRun } from '@rft/db';
import { sql } from 'kysely';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type ApiFixture, completeItemAsWorkers, createApiFixture, itemsOf, seedCampaign } from './api-test-fixture.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(import.meta.dirname, '..', '..', '..', 'test-artifacts');

let fx: ApiFixture;
let url: string;
let profileDir: string;
let browser: BrowserContext;
let campaignId: string;
let datasetId: string;
let runId: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`the dashboard chart test needs ${CHROMIUM}: apt-get install -y chromium`);
  fx = await createApiFixture();
  await fx.app.listen({ host: '127.0.0.1', port: 0 });
  const address = fx.app.server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  campaignId = await seedCampaign(fx.env.db, { name: 'charts-demo', questions: 6, samples: 4, shardSize: 3 });
  for (const [n, item] of (await itemsOf(fx.env.db, campaignId)).entries()) {
    await completeItemAsWorkers(fx.env.db, item, {
      correct: (i) => i < n % 4,
      toolCalls: (i) => (n + i) % 3,
      reasons: (i) => (i < n % 4 ? [] : i % 2 ? ['wrong_answer'] : ['truncated']),
    });
  }
  // Samples over the last 30 minutes with a quiet stretch: the series must show it as zeros.
  await sql`UPDATE samples SET created_at = now() - make_interval(secs => 60 * (CASE WHEN id % 2 = 0 THEN 30 - (id % 7) ELSE id % 5 END))
    WHERE campaign_id = ${campaignId}`.execute(fx.env.db);
  datasetId = `ds-${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  await fx.env.store.put(`datasets/${datasetId}/manifest.json`, JSON.stringify({ datasetId, model: { name: 'sim-7b' } }));
  const sample = await fx.env.db
    .selectFrom('samples')
    .select(['id', 'question_id'])
    .where('campaign_id', '=', campaignId)
    .limit(1)
    .executeTakeFirstOrThrow();
  await insertDataset(fx.env.db, {
    id: datasetId,
    campaignId,
    name: 'charts-demo/rft',
    selection: { policy: 'rft' },
    storagePrefix: `datasets/${datasetId}`,
    manifestKey: `datasets/${datasetId}/manifest.json`,
    manifestSha256: 'a'.repeat(64),
    createdBy: 'curator',
    items: [{ sampleId: sample.id, questionId: sample.question_id }],
  });
  runId = randomUUID();
  await insertTrainingRun(fx.env.db, {
    id: runId,
    datasetId,
    backend: 'slurm',
    profile: {},
    config: {},
    createdBy: 'test',
    at: new Date(),
  });
  profileDir = await mkdtemp(join(tmpdir(), 'rft-chromium-charts-'));
  browser = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
    viewport: { width: 1400, height: 1400 },
  });
}, 600_000);

afterAll(async () => {
  await browser?.close();
  if (profileDir) await rm(profileDir, { recursive: true, force: true });
  await fx?.close();
});

/** A page that records every console error or warning, failed request and uncaught error. */
async function watchedPage(): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning') problems.push(`${msg.type()}: ${msg.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('requestfailed', (req) => problems.push(`requestfailed: ${req.url()}`));
  page.on('request', (req) => {
    if (!req.url().startsWith(url) && !req.url().startsWith('data:')) problems.push(`off-origin request: ${req.url()}`);
  });
  return { page, problems };
}

type Drawn = { times?: number[]; categories?: string[]; series: Array<{ label: string; values: Array<number | null> }> };
const chartData = (page: Page, id: string) => page.$eval(`#${id}`, (el) => (el as unknown as { chartData: Drawn }).chartData);

test('charts draw the full series with legends on uPlot, link the dataset, and log nothing', async () => {
  const { page, problems } = await watchedPage();
  await page.goto(`${url}/dashboard/?campaign=${campaignId}&refresh=3600#token=${fx.tokens.operator}`);
  await page.waitForSelector('body[data-loaded="true"]', { timeout: 30_000 });

  // One point per minute bucket from the first sample to now, quiet minutes included as zero.
  const throughput = await chartData(page, 'chart-throughput');
  expect(throughput.times!.length).toBeGreaterThanOrEqual(25);
  const steps = new Set(throughput.times!.slice(1).map((t, i) => t - throughput.times![i]!));
  expect([...steps]).toEqual([60]);
  expect(throughput.series[0]!.values).toContain(0);
  expect(throughput.series.map((s) => s.label)).toEqual(['samples/s', 'accepted/s']);
  const total = throughput.series[0]!.values.reduce((a: number, v) => a + (v ?? 0) * 60, 0);
  expect(Math.round(total)).toBe(24);

  // Stages x reasons: categories are the reasons, one series (and legend entry) per stage.
  const rejections = await chartData(page, 'chart-rejections');
  expect(rejections.categories).toEqual(expect.arrayContaining(['wrong_answer', 'truncated']));
  expect(rejections.series.map((s) => s.label)).toEqual(['rft']);
  const legend = await page.$$eval('#chart-rejections .u-legend .u-series .u-label', (els) => els.map((e) => e.textContent));
  expect(legend).toContain('rft');
  for (const id of ['chart-throughput', 'chart-accept', 'chart-success', 'chart-tools', 'chart-rejections', 'chart-lengths']) {
    expect(await page.$$eval(`#${id} canvas`, (els) => els.length), id).toBeGreaterThan(0);
  }

  // The dataset link opens the dataset's page with its id, rows and pull command.
  expect(await page.textContent('#datasets')).toContain('charts-demo/rft');
  await mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, 'campaign-dashboard-charts.png'), fullPage: true });
  await page.click('a.dataset-link');
  await page.waitForSelector('#dataset:not([hidden])', { timeout: 30_000 });
  const detail = await page.textContent('#dataset-detail');
  expect(detail).toContain(datasetId);
  expect(detail).toContain(`rft datasets pull ${datasetId} ./${datasetId}`);
  expect(detail).toContain('sim-7b');
  expect(detail).toContain(`s3://`);
  // The dataset's training runs, each with the command that follows it.
  const runs = await page.textContent('#dataset-runs');
  expect(runs).toContain('submitting');
  expect(runs).toContain(`rft runs status ${runId.slice(0, 8)}`);
  await page.screenshot({ path: join(ARTIFACTS, 'dataset-page.png'), fullPage: true });
  expect(problems).toEqual([]);
});

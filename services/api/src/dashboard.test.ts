import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { completeItemAsWorkers, createApiFixture, failItemAsWorker, itemsOf, seedCampaign, type ApiFixture } from './api-test-fixture.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(import.meta.dirname, '..', '..', '..', 'test-artifacts');

/** The browser is a Debian package (`chromium`); install it when missing, or fail saying so. */
function ensureChromium(): void {
  if (existsSync(CHROMIUM)) return;
  const install = spawnSync('sh', ['-c', 'apt-get install -y chromium || (apt-get update && apt-get install -y chromium)'], {
    stdio: 'pipe',
    timeout: 600_000,
  });
  if (install.status !== 0 || !existsSync(CHROMIUM)) {
    throw new Error(
      `the dashboard test needs ${CHROMIUM}: install the Debian package "chromium" (apt-get install -y chromium); automatic install failed: ${install.stderr?.toString().slice(-500)}`,
    );
  }
}

let fx: ApiFixture;
let url: string;
let profileDir: string;
let browser: BrowserContext;
let campaignId: string;

beforeAll(async () => {
  ensureChromium();
  fx = await createApiFixture();
  await fx.app.listen({ host: '127.0.0.1', port: 0 });
  const address = fx.app.server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

  // A campaign with real ledger data: 8 questions x 4 samples, one item failed, varied verdicts.
  campaignId = await seedCampaign(fx.env.db, { name: 'dashboard-demo', questions: 8, samples: 4, shardSize: 4 });
  const items = await itemsOf(fx.env.db, campaignId);
  for (const [n, item] of items.entries()) {
    if (n === 7) {
      await failItemAsWorker(fx.env.db, item, 'sandbox timeout after 30 s');
      continue;
    }
    await completeItemAsWorkers(fx.env.db, item, {
      correct: (i) => i < n % 5,
      toolCalls: (i) => (n + i) % 4,
      reasons: (i) => (i < n % 5 ? [] : i % 2 ? ['wrong_answer'] : ['no_answer', 'truncated']),
    });
  }
  // Spread the samples over twenty minutes so the throughput chart has a shape.
  await sql`UPDATE samples SET created_at = now() - make_interval(secs => (id % 20) * 60) WHERE campaign_id = ${campaignId}`.execute(
    fx.env.db,
  );

  profileDir = await mkdtemp(join(tmpdir(), 'rft-chromium-'));
  browser = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1400, height: 1300 },
  });
}, 600_000);

afterAll(async () => {
  await browser?.close();
  if (profileDir) await rm(profileDir, { recursive: true, force: true });
  await fx?.close();
});

test('the campaign dashboard shows progress, throughput, accept rate, success distribution, tool calls, rejections and lengths', async () => {
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning') problems.push(`${msg.type()}: ${msg.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('requestfailed', (req) => problems.push(`requestfailed: ${req.url()}`));

  await page.goto(`${url}/dashboard/?campaign=${campaignId}&refresh=3600#token=${fx.tokens.operator}`);
  await page.waitForSelector('body[data-loaded="true"]', { timeout: 30_000 });

  expect(page.url()).not.toContain('token=');
  expect(await page.textContent('#title')).toBe('dashboard-demo (vision)');
  expect(await page.textContent('#status')).toBe('running');
  const progress = await page.textContent('#progress');
  expect(progress).toContain('28 / 32');
  const accepted = await fx.env.db
    .selectFrom('grades')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('correct', '=', true)
    .executeTakeFirstOrThrow();
  const row = await page.$$eval('#progress tbody tr td', (tds) => tds.map((td) => td.textContent));
  expect(row).toEqual(['rft', '', '28 / 32', '28', accepted.n, `${((Number(accepted.n) / 28) * 100).toFixed(1)}%`, '1', '0']);
  // The failed item's shard, its reason and the command that redoes it.
  expect(await page.isVisible('#failures')).toBe(true);
  const failures = await page.textContent('#failures');
  expect(failures).toContain('sandbox timeout after 30 s');
  expect(failures).toContain(`rft retry ${campaignId}`);
  expect(await page.textContent('#cost')).toContain('total');
  for (const chart of ['throughput', 'accept', 'success', 'tools', 'rejections', 'lengths']) {
    const canvases = await page.$$eval(`#chart-${chart} canvas`, (els) => els.length);
    expect(canvases, `chart ${chart}`).toBeGreaterThan(0);
  }
  type Drawn = { categories: string[]; series: Array<{ label: string; values: number[] }> };
  const rejections = await page.$eval('#chart-rejections', (el) => (el as unknown as { chartData: Drawn }).chartData);
  expect(rejections.categories).toEqual(expect.arrayContaining(['wrong_answer', 'truncated']));
  const tools = await page.$eval('#chart-tools', (el) => (el as unknown as { chartData: Drawn }).chartData);
  expect(tools.categories.map((c, i) => `${c}: ${tools.series[0]!.values[i]}`)).toEqual(['0: 7', '1: 7', '2: 7', '3: 7']);

  await mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, 'campaign-dashboard.png'), fullPage: true });
  expect(problems).toEqual([]);

  // The queue board link works from the dashboard: the page left a cookie scoped to /admin.
  await page.click('#queue-board');
  await page.waitForSelector('text=rollout', { timeout: 30_000 });
  await page.waitForSelector('text=Loading...', { state: 'detached', timeout: 30_000 });
  expect(await page.content()).toContain('grade');
  await page.screenshot({ path: join(ARTIFACTS, 'queue-board.png') });
  expect(problems).toEqual([]);

  // Without a token the page says how to get in instead of failing silently.
  const anonymous = await browser.newPage();
  await anonymous.addInitScript(() => sessionStorage.clear());
  await anonymous.goto(`${url}/dashboard/?campaign=${campaignId}`);
  await anonymous.waitForSelector('#error:not([hidden])');
  expect(await anonymous.textContent('#error')).toContain('#token=');
});

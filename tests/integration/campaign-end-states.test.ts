import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApiFixture, type ApiFixture, completeItemAsWorkers, failItemAsWorker, itemsOf, seedCampaign } from '@rft/api/testing';
import { finishCampaign } from '@rft/db';
import { schedulerTick } from '@rft/scheduler';
import { silentLogger } from '@rft/telemetry';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts');

let fx: ApiFixture;
beforeAll(async () => {
  fx = await createApiFixture();
});
afterAll(async () => {
  await fx?.close();
});

/**
 * A campaign of 4 questions x 2 samples whose first `failed` items fail (with a cause a worker
 * would record) and the rest succeed, then settled as the scheduler and curator do.
 */
async function campaignEndingWith(failed: number, name: string): Promise<string> {
  const id = await seedCampaign(fx.env.db, { name, questions: 4, samples: 2, shardSize: 2 });
  for (const [n, item] of (await itemsOf(fx.env.db, id)).entries()) {
    if (n < failed)
      await failItemAsWorker(
        fx.env.db,
        item,
        `inference failed (http_5xx) on http://10.0.0.7:8000: HTTP 503: overloaded (${item.questionId})`,
      );
    else await completeItemAsWorkers(fx.env.db, item);
  }
  const tick = await schedulerTick(fx.env.db, fx.queues, { rolloutWindow: 100, lostJobGraceMs: 60_000 }, silentLogger());
  expect(tick.curating).toContain(id);
  // The curator's last step (after building the dataset from what succeeded).
  await finishCampaign(fx.env.db, id);
  return id;
}

const detail = async (id: string) => {
  const res = await fx.app.inject({ method: 'GET', url: `/v1/campaigns/${id}`, headers: fx.auth('operator') });
  expect(res.statusCode).toBe(200);
  return res.json();
};

test('every item succeeded: completed, no failures and no retry hint', async () => {
  const id = await campaignEndingWith(0, 'all-good');
  const d = await detail(id);
  expect(d.campaign.status).toBe('completed');
  expect(d.campaign.statusReason).toBeNull();
  expect(d.failures).toEqual({ items: 0, shards: [], retryCommand: null });
  expect(d.stages[0]).toMatchObject({ samples: 8, plannedSamples: 8 });
});

test('some items failed: completed_with_failures names the cause and the retry command, and can be cancelled', async () => {
  const id = await campaignEndingWith(1, 'some-failed');
  const d = await detail(id);
  expect(d.campaign.status).toBe('completed_with_failures');
  expect(d.campaign.statusReason).toMatch(/^1 of 4 work items failed; newest reason: .*HTTP 503: overloaded \(q0\)/);
  expect(d.campaign.statusReason).toContain(`rft retry ${id}`);
  expect(d.failures).toMatchObject({ items: 1, retryCommand: `rft retry ${id}` });
  expect(d.failures.shards).toEqual([{ shardIndex: 0, failedItems: 1, items: 2, reason: expect.stringContaining('http://10.0.0.7:8000') }]);
  expect(d.stages[0]).toMatchObject({ samples: 6, plannedSamples: 8 });

  const listed = await fx.app.inject({ method: 'GET', url: '/v1/campaigns?status=completed_with_failures', headers: fx.auth('operator') });
  expect(listed.json().items.map((c: { id: string }) => c.id)).toEqual([id]);
  const cancel = await fx.app.inject({ method: 'POST', url: `/v1/campaigns/${id}/cancel`, headers: fx.auth('operator'), payload: {} });
  expect(cancel.statusCode).toBe(200);
  expect((await detail(id)).campaign.status).toBe('cancelled');
});

test('nothing succeeded: failed, shown red on the dashboard with the failed shards and the retry command; a retry runs it again', async () => {
  const id = await campaignEndingWith(4, 'none-good');
  const d = await detail(id);
  expect(d.campaign.status).toBe('failed');
  expect(d.campaign.statusReason).toMatch(/^4 of 4 work items failed/);
  expect(d.stages[0]).toMatchObject({ samples: 0, plannedSamples: 8 });
  expect(d.failures.shards.map((s: { shardIndex: number }) => s.shardIndex)).toEqual([0, 1]);

  if (!existsSync(CHROMIUM)) spawnSync('sh', ['-c', 'apt-get install -y chromium'], { stdio: 'pipe', timeout: 600_000 });
  if (!existsSync(CHROMIUM))
    throw new Error(`this test needs ${CHROMIUM}: install the Debian package "chromium" (apt-get install -y chromium)`);
  await fx.app.listen({ host: '127.0.0.1', port: 0 });
  const address = fx.app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const profile = await mkdtemp(join(tmpdir(), 'rft-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-sync'],
    viewport: { width: 1400, height: 1100 },
  });
  try {
    const page = await browser.newPage();
    await page.goto(`${url}/dashboard/?campaign=${id}&refresh=3600#token=${fx.tokens.operator}`);
    await page.waitForSelector('body[data-loaded="true"]', { timeout: 30_000 });
    expect(await page.getAttribute('#status', 'class')).toBe('status failed');
    const badge = await page.$eval('#status', (el) => getComputedStyle(el).backgroundColor);
    expect(badge).toBe('rgb(200, 56, 47)');
    const row = await page.$$eval('#progress tbody tr td', (tds) => tds.map((td) => td.textContent));
    expect(row[2]).toBe('0 / 8');
    const failures = await page.textContent('#failures');
    expect(failures).toContain('Failed shards (4 failed items)');
    expect(failures).toContain('HTTP 503: overloaded');
    expect(failures).toContain(`rft retry ${id}`);
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'failed-campaign-dashboard.png'), fullPage: true });
  } finally {
    await browser.close();
    await rm(profile, { recursive: true, force: true });
  }

  const retry = await fx.app.inject({ method: 'POST', url: `/v1/campaigns/${id}/retry`, headers: fx.auth('operator'), payload: {} });
  expect(retry.statusCode).toBe(200);
  expect((await detail(id)).campaign.status).toBe('running');
}, 600_000);

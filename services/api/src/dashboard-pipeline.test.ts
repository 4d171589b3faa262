import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { transitionPipelineStep } from '@rft/db';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { completeItemAsWorkers, createApiFixture, itemsOf, questionsJsonl, seedCampaign, type ApiFixture } from './api-test-fixture.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(import.meta.dirname, '..', '..', '..', 'test-artifacts');

let fx: ApiFixture;
let url: string;
let profileDir: string;
let browser: BrowserContext;
let pipelineId: string;
let evalCampaign: string;

const spec = `
name: dash-pipe
models:
  sim: { name: sim-7b }
benchmarks:
  bench-p: { file: b.jsonl }
steps:
  greedy: { kind: campaign, model: sim, questions: q.jsonl, recipe: greedy }
  hint:
    kind: campaign
    model: sim
    questions: q.jsonl
    recipe: hint-infer
    admit: { step: greedy, questions: graded-wrong }
  evaluate:
    kind: eval
    benchmarks: [bench-p]
    models: [sim]
    recipe: { mode: sampled, samples: 2, temperature: 0.6 }
`;

beforeAll(async () => {
  // The dashboard test (dashboard.test.ts) installs the Debian package when missing.
  if (!existsSync(CHROMIUM)) throw new Error(`the pipeline dashboard test needs ${CHROMIUM} (apt-get install -y chromium)`);
  fx = await createApiFixture();
  await fx.app.listen({ host: '127.0.0.1', port: 0 });
  const address = fx.app.server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const bench = JSON.stringify({ id: 'b0', kind: 'math', problem: 'A held-out problem?', answer: '1' });
  const res = await fx.app.inject({
    method: 'POST',
    url: '/v1/pipelines',
    headers: fx.auth('operator'),
    payload: { spec, files: { 'q.jsonl': { content: questionsJsonl(3) }, 'b.jsonl': { content: bench } } },
  });
  pipelineId = res.json().id;
  const at = new Date();
  await transitionPipelineStep(fx.env.db, { pipelineId, step: 'greedy', to: 'running', at });
  await transitionPipelineStep(fx.env.db, { pipelineId, step: 'greedy', to: 'failed', reason: 'campaign failed: 3 items failed', at });
  evalCampaign = await seedCampaign(fx.env.db, { name: 'eval-dash', questions: 2, samples: 2 });
  for (const item of await itemsOf(fx.env.db, evalCampaign)) await completeItemAsWorkers(fx.env.db, item, { correct: () => true });
  await transitionPipelineStep(fx.env.db, {
    pipelineId,
    step: 'evaluate',
    to: 'running',
    output: { campaigns: [{ model: 'sim', benchmark: 'bench-p', campaignId: evalCampaign }] },
    at,
  });
  profileDir = await mkdtemp(join(tmpdir(), 'rft-chromium-'));
  browser = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-sync'],
    viewport: { width: 1400, height: 1000 },
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (profileDir) await rm(profileDir, { recursive: true, force: true });
  await fx?.close();
});

test('the pipeline page draws the DAG coloured by state, the reasons, links to the campaigns and the results table', async () => {
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
  });

  await page.goto(`${url}/dashboard/?pipelines&refresh=3600#token=${fx.tokens.operator}`);
  await page.waitForSelector('body[data-loaded="true"]', { timeout: 30_000 });
  await page.click('text=dash-pipe');
  await page.waitForSelector('#pipeline:not([hidden])', { timeout: 30_000 });

  expect(await page.textContent('#title')).toBe('pipeline dash-pipe');
  // Columns by depth: greedy and evaluate first, hint after greedy.
  const columns = await page.$$eval('.dag-column', (cols) =>
    cols.map((c) => [...c.querySelectorAll('.dag-step')].map((s) => s.getAttribute('data-step'))),
  );
  expect(columns).toEqual([['greedy', 'evaluate'], ['hint']]);
  const states = await page.$$eval('.dag-step', (els) => Object.fromEntries(els.map((e) => [e.getAttribute('data-step'), e.className])));
  expect(states).toEqual({
    greedy: 'dag-step step-state failed',
    evaluate: 'dag-step step-state running',
    hint: 'dag-step step-state waiting',
  });
  const failedColour = await page.$eval('.dag-step.failed', (el) => getComputedStyle(el).backgroundColor);
  expect(failedColour).toBe('rgb(200, 56, 47)');

  const greedyRow = await page.textContent('#pipeline-steps tr[data-step="greedy"]');
  expect(greedyRow).toContain('campaign failed: 3 items failed');
  expect(greedyRow).toContain(`rft pipelines retry-step ${pipelineId.slice(0, 8)} greedy`);
  expect(await page.textContent('#pipeline-steps tr[data-step="hint"]')).toContain('held by greedy');
  expect(await page.getAttribute('#pipeline-steps tr[data-step="evaluate"] a', 'href')).toBe(`/dashboard/?campaign=${evalCampaign}`);

  const pass1 = await page.$$eval('table.results[data-metric="pass@1"] tr', (rows) => rows.map((r) => r.textContent));
  expect(pass1).toEqual(['pass@1bench-p', 'sim100.0 [100.0, 100.0] (2×2)']);

  await mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, 'pipeline-dashboard.png'), fullPage: true });
  expect(problems).toEqual([]);
});

// `npm run demo -- --campaign`: one sampling campaign end to end on the local stack and the simulated
// model (the demo before pipelines). Brings the stack up, migrates, starts every service as its own
// process, submits the bundled demo campaign, shows progress, prints a summary read from the ledger,
// hands the dataset to training, and stops everything it started.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { objectLocation } from '@rft/dataset';
import { campaignRollup, createDb, getCampaign, latestDataset, refreshShardStats } from '@rft/db';
import { parseCampaignSpec, parseQuestionFile, registerCampaign } from '@rft/intake';
import { migrateToLatest } from '@rft/migrations';
import { SANDBOX_NODE_FLAGS } from '@rft/sandbox/node-flags';
import { ensureDatabase, stackDown, stackUp, STACK_DEFAULTS } from '../../infra/local/stack.ts';
import { freePort } from '@rft/testing/free-port';
import { createChildServices, waitForHttp } from './child-services.ts';
import { printSummary, progressLine } from './campaign-report.ts';
import { formatHandoff, handoffSucceeded, runDemoHandoff } from './demo-handoff.ts';
import { formatKindSummary, kindSummary } from './kind-summary.ts';
import { localS3Settings, localServicesEnv } from './local-services-env.ts';

export async function runCampaignDemo(ROOT: string): Promise<number> {
  const DEMO_DIR = join(ROOT, 'examples', 'demo');
  const TIMEOUT_MS = Number(process.env.DEMO_TIMEOUT_MS ?? 15 * 60_000);
  const DATABASE = process.env.DEMO_DATABASE ?? 'rft_demo';
  const startedAt = Date.now();

  const adminUrl = STACK_DEFAULTS.postgresAdminUrl;
  const databaseUrl = new URL(adminUrl);
  databaseUrl.pathname = `/${DATABASE}`;

  await stackUp();
  const services = createChildServices(ROOT, join(ROOT, '.local', 'demo-logs'));
  let exitCode = 1;
  const db = createDb({ url: databaseUrl.toString(), poolSize: 2 });
  try {
    await ensureDatabase(adminUrl, DATABASE);
    await migrateToLatest(db);

    const [simPort, sandboxPort] = await Promise.all([freePort(), freePort()]);
    const simUrl = `http://127.0.0.1:${simPort}`;
    const sandboxUrl = `http://127.0.0.1:${sandboxPort}`;
    const local = localServicesEnv({ databaseUrl: databaseUrl.toString(), database: DATABASE, simUrl, sandboxUrl });
    const env = { ...local.env, SCHEDULER_TICK_MS: '250' };
    services.start('model-sim', 'services/model-sim/src/main.ts', { ...env, PORT: String(simPort) });
    services.start(
      'sandbox',
      'services/sandbox/src/main.ts',
      { ...env, SANDBOX_PORT: String(sandboxPort), SANDBOX_TOKENS: local.sandboxTokens },
      SANDBOX_NODE_FLAGS,
    );
    await Promise.all([waitForHttp(`${simUrl}/v1/models`), waitForHttp(`${sandboxUrl}/healthz`, 60_000)]);
    services.start('scheduler', 'services/scheduler/src/main.ts', env);
    services.start('rollout-worker', 'services/rollout-worker/src/main.ts', { ...env, ROLLOUT_CONCURRENCY: '16' });
    services.start('grader', 'services/grader/src/main.ts', env);
    services.start('curator', 'services/curator/src/main.ts', env);

    const specFile = join(DEMO_DIR, 'campaign.yaml');
    const questionFile = join(DEMO_DIR, 'questions.jsonl');
    const spec = parseCampaignSpec(await readFile(specFile, 'utf8'), specFile);
    const questions = parseQuestionFile(await readFile(questionFile), questionFile);
    const campaignId = await registerCampaign(db, spec, questions, 'demo');
    console.log(`submitted campaign ${campaignId}: ${questions.length} questions x ${spec.stages.map((s) => s.name).join(', ')}`);

    const deadline = Date.now() + TIMEOUT_MS;
    for (;;) {
      const campaign = await getCampaign(db, campaignId);
      await refreshShardStats(db, campaignId);
      const { progress, rejections } = await campaignRollup(db, campaignId);
      console.log(progressLine(campaign?.status ?? 'unknown', progress));
      for (const child of services.children) {
        if (child.process.exitCode !== null)
          throw new Error(`${child.name} exited with code ${child.process.exitCode}; see ${child.logFile}`);
      }
      if (campaign && ['completed', 'completed_with_failures', 'failed', 'cancelled'].includes(campaign.status)) {
        const dataset = await latestDataset(db, campaignId);
        const manifestLocation = dataset && objectLocation({ bucket: env.S3_BUCKET, endpoint: env.S3_ENDPOINT }, dataset.manifest_key);
        printSummary({ campaign, progress, rejections, dataset, manifestLocation });
        console.log(formatKindSummary(await kindSummary(db, campaignId, dataset?.id ?? null)));
        if (campaign.status === 'completed' && dataset) {
          const handoff = await runDemoHandoff({ db, s3: localS3Settings(env), datasetId: dataset.id, root: ROOT });
          console.log(formatHandoff(handoff));
          exitCode = handoffSucceeded(handoff) ? 0 : 1;
          console.log(`demo finished in ${((Date.now() - startedAt) / 1000).toFixed(0)} s`);
          console.log(
            `\nThe demo stops what it started. To keep the whole system running, run \`npm run local\`: it prints the\n` +
              'dashboard URL with a development token and the `export RFT_API_URL=... RFT_TOKEN=...` line; then\n' +
              '`npx rft submit examples/demo/campaign.yaml examples/demo/questions.jsonl` and\n' +
              `\`npx rft status ${spec.name}\` follow the campaign from the CLI.`,
          );
        }
        break;
      }
      if (Date.now() > deadline) throw new Error(`campaign did not finish within ${TIMEOUT_MS / 1000}s; logs in .local/demo-logs/`);
      await new Promise((r) => setTimeout(r, 2000));
    }
  } catch (error) {
    console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await services.stopAll();
    await db.destroy();
    await stackDown();
  }
  return exitCode;
}

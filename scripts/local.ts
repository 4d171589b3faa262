// `npm run local`: the whole system on this machine, kept up until Ctrl-C (or `npm run stack:down`
// from another terminal): data stores, migrations, model-sim, sandbox, scheduler, rollout worker,
// grader, curator, launcher, and the API with its dashboard. Prints the URLs and a development admin
// token. Logs go to .local/local-logs/.
import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createApiToken, createDb } from '@rft/db';
import { migrateToLatest } from '@rft/migrations';
import { SANDBOX_NODE_FLAGS } from '@rft/sandbox/node-flags';
import { ensureDatabase, stackUp, STACK_DEFAULTS } from '../infra/local/stack.ts';
import { createChildServices, waitForHttp } from './lib/child-services.ts';
import { localServicesEnv } from './lib/local-services-env.ts';

const ROOT = join(import.meta.dirname, '..');
const DATABASE = process.env.LOCAL_DATABASE ?? 'rft_local';
const API_PORT = Number(process.env.API_PORT ?? 8080);
const SIM_PORT = Number(process.env.MODEL_SIM_PORT ?? 8090);
const SANDBOX_PORT = Number(process.env.SANDBOX_PORT ?? 8091);
/** `npm run stack:down` reads it to stop this process too. */
export const LOCAL_PID_FILE = join(ROOT, '.local', 'local.pid');

const databaseUrl = new URL(STACK_DEFAULTS.postgresAdminUrl);
databaseUrl.pathname = `/${DATABASE}`;

await stackUp();
await ensureDatabase(STACK_DEFAULTS.postgresAdminUrl, DATABASE);
const db = createDb({ url: databaseUrl.toString(), poolSize: 1 });
await migrateToLatest(db);
const { token } = await createApiToken(db, {
  name: `local-admin-${new Date().toISOString()}`,
  role: 'admin',
  team: null,
  createdBy: 'npm run local',
});
await db.destroy();

const local = localServicesEnv({
  databaseUrl: databaseUrl.toString(),
  database: DATABASE,
  simUrl: `http://127.0.0.1:${SIM_PORT}`,
  sandboxUrl: `http://127.0.0.1:${SANDBOX_PORT}`,
});
const env = local.env;
const services = createChildServices(ROOT, join(ROOT, '.local', 'local-logs'));
let stopping = false;
const stop = async (code: number) => {
  if (stopping) return;
  stopping = true;
  await services.stopAll();
  rmSync(LOCAL_PID_FILE, { force: true });
  process.exit(code);
};
process.once('SIGINT', () => void stop(0));
process.once('SIGTERM', () => void stop(0));
writeFileSync(LOCAL_PID_FILE, String(process.pid));

try {
  services.start('model-sim', 'services/model-sim/src/main.ts', { ...env, PORT: String(SIM_PORT) });
  services.start(
    'sandbox',
    'services/sandbox/src/main.ts',
    { ...env, SANDBOX_PORT: String(SANDBOX_PORT), SANDBOX_TOKENS: local.sandboxTokens },
    SANDBOX_NODE_FLAGS,
  );
  await Promise.all([waitForHttp(`${env.INFERENCE_ENDPOINTS}/v1/models`, 120_000), waitForHttp(`${env.SANDBOX_URL}/healthz`, 120_000)]);
  for (const name of ['scheduler', 'rollout-worker', 'grader', 'curator', 'launcher'])
    services.start(name, `services/${name}/src/main.ts`, env);
  services.start('api', 'services/api/src/main.ts', { ...env, API_HOST: '127.0.0.1', API_PORT: String(API_PORT) });
  const api = `http://127.0.0.1:${API_PORT}`;
  // Generous: on a busy machine the API alone can take a while to load.
  await waitForHttp(`${api}/healthz`, 180_000);
} catch (error) {
  console.error(`local: ${(error as Error).message}; see the logs in .local/local-logs/`);
  await stop(1);
}

const api = `http://127.0.0.1:${API_PORT}`;
console.log(`
rft-orchestrator is running (logs in .local/local-logs/; Ctrl-C or npm run stack:down stops it)

  dashboard   ${api}/dashboard/#token=${token}
  API         ${api}   (OpenAPI document: ${api}/openapi.json)
  model-sim   ${env.INFERENCE_ENDPOINTS}
  S3          ${env.S3_ENDPOINT}  bucket ${env.S3_BUCKET}  (aws --endpoint-url ${env.S3_ENDPOINT} s3 ls s3://${env.S3_BUCKET}/)

  export RFT_API_URL=${api} RFT_TOKEN=${token}
  npx rft submit examples/demo/campaign.yaml examples/demo/questions.jsonl
  npx rft campaigns
`);
for (const child of services.children)
  child.process.once('exit', (code, signal) => {
    if (stopping) return;
    console.error(`local: ${child.name} exited (${signal ?? code}); see ${child.logFile}; stopping everything`);
    void stop(1);
  });

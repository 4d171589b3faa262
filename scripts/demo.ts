// `npm run demo`: START's whole chain on the simulated model (scripts/lib/demo-pipeline.ts): greedy and
// Hint-infer on the base, Hint-RFT selection, training START-0, serving it, RFT on it, RFT selection,
// training START, serving it, and the evaluation of all three on a held-out benchmark.
// `npm run demo -- --campaign`: one sampling campaign alone (scripts/lib/demo-campaign.ts).
import { join } from 'node:path';
import { runCampaignDemo } from './lib/demo-campaign.ts';
import { runPipelineDemo } from './lib/demo-pipeline.ts';

const ROOT = join(import.meta.dirname, '..');
const campaignOnly = process.argv.includes('--campaign') || process.env.DEMO === 'campaign';
process.exit(campaignOnly ? await runCampaignDemo(ROOT) : await runPipelineDemo(ROOT));

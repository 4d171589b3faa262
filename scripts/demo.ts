// `npm run demo`: one sampling campaign end to end on the simulated model (scripts/lib/demo-campaign.ts).
// `npm run demo -- --pipeline`: START's whole chain (scripts/lib/demo-pipeline.ts): greedy and
// Hint-infer on the base, Hint-RFT selection, training START-0, serving it, RFT on it, RFT selection,
// training START, serving it, and the evaluation of all three on a held-out benchmark.
import { join } from 'node:path';
import { runCampaignDemo } from './lib/demo-campaign.ts';
import { runPipelineDemo } from './lib/demo-pipeline.ts';

const ROOT = join(import.meta.dirname, '..');
const pipeline = process.argv.includes('--pipeline') || process.env.DEMO === 'pipeline';
process.exit(pipeline ? await runPipelineDemo(ROOT) : await runCampaignDemo(ROOT));

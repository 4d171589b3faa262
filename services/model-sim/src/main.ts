/**
 * Runs one model-sim replica. Env: PORT (8000), HOST (127.0.0.1), MODEL, SIM_SEED, MAX_NUM_SEQS,
 * DECODE_TOKENS_PER_SECOND, PREFILL_TOKENS_PER_SECOND, MAX_MODEL_LEN, KV_CACHE_BLOCKS, FLAVOUR (vllm|sglang), MODEL_PROFILE
 * (qwq-32b|qwq-32b-preview|deepseek-r1-distill|qwen3-thinking), SIM_BEHAVIOURS (`tool_cap=2,split_stop`;
 * default: a realistic mix), and fault knobs
 * FAULT_ERROR_RATE, FAULT_ERROR_STATUS, FAULT_LATENCY_SPIKE_RATE, FAULT_LATENCY_SPIKE_MS, FAULT_HANG_RATE,
 * FAULT_DISCONNECT_RATE, FAULT_MALFORMED_RATE. SIM_SERVED_MODEL (the served name, wins over MODEL) and
 * SIM_TRAINED_BEHAVIOUR (a trained-behaviour.json: imitate a model fine-tuned on that data).
 */
import { ConfigError } from '@rft/config';
import { modelSimConfig } from './config.ts';
import { createModelSim } from './service.ts';

function readConfig() {
  try {
    return modelSimConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(2);
  }
}

const sim = createModelSim(readConfig());

const { url } = await sim.start();
const trained = sim.options.trained;
console.log(
  JSON.stringify({
    msg: 'model-sim listening (a test double, not a model)',
    url,
    model: sim.options.model,
    ...(trained ? { trained: { datasetId: trained.datasetId, examples: trained.examples, toolUseRate: trained.toolUseRate } } : {}),
  }),
);

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    sim.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}

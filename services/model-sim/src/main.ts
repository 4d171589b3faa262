/**
 * Runs one model-sim replica. Env: PORT (8000), HOST (127.0.0.1), MODEL, SIM_SEED, MAX_NUM_SEQS,
 * DECODE_TOKENS_PER_SECOND, PREFILL_TOKENS_PER_SECOND, MAX_MODEL_LEN, KV_CACHE_BLOCKS, and fault knobs
 * FAULT_ERROR_RATE, FAULT_ERROR_STATUS, FAULT_LATENCY_SPIKE_RATE, FAULT_LATENCY_SPIKE_MS, FAULT_HANG_RATE,
 * FAULT_DISCONNECT_RATE, FAULT_MALFORMED_RATE.
 */
import { createModelSim } from './service.ts';

function num(name: string, fallback?: number): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) && raw !== 'Infinity') {
    console.error(`${name}: expected a number, got ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return value;
}

const sim = createModelSim({
  host: process.env.HOST ?? '127.0.0.1',
  port: num('PORT', 8000),
  model: process.env.MODEL ?? 'qwq-32b-sim',
  seed: num('SIM_SEED', 0),
  maxNumSeqs: num('MAX_NUM_SEQS'),
  decodeTokensPerSecond: num('DECODE_TOKENS_PER_SECOND'),
  prefillTokensPerSecond: num('PREFILL_TOKENS_PER_SECOND'),
  maxModelLen: num('MAX_MODEL_LEN'),
  kvCacheBlocks: num('KV_CACHE_BLOCKS'),
  faults: {
    errorRate: num('FAULT_ERROR_RATE'),
    errorStatus: num('FAULT_ERROR_STATUS'),
    latencySpikeRate: num('FAULT_LATENCY_SPIKE_RATE'),
    latencySpikeMs: num('FAULT_LATENCY_SPIKE_MS'),
    hangRate: num('FAULT_HANG_RATE'),
    disconnectRate: num('FAULT_DISCONNECT_RATE'),
    malformedRate: num('FAULT_MALFORMED_RATE'),
  },
});

const { url } = await sim.start();
console.log(JSON.stringify({ msg: 'model-sim listening', url, model: sim.options.model }));

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    sim.close().then(() => process.exit(0), () => process.exit(1));
  });
}

import { envOptionalNumber, envUnsetIfEmpty, parseEnv } from '@rft/config';
import { z } from 'zod';
import type { ModelSimOptions } from './service.ts';
import { SIM_PROFILE_NAMES } from './sim-profiles.ts';
import { parseBehaviourMix } from './behaviour-mix.ts';
import { readTrainedBehaviour } from './trained-behaviour.ts';

const ModelSimEnv = z.object({
  HOST: envUnsetIfEmpty(z.string().default('127.0.0.1')),
  PORT: envOptionalNumber,
  MODEL: envUnsetIfEmpty(z.string().default('qwq-32b-sim')),
  /** The name /v1/models lists and requests must use; wins over MODEL (the serve step's contract). */
  SIM_SERVED_MODEL: envUnsetIfEmpty(z.string().optional()),
  /** Path of a trained-behaviour.json (rft-sim-trained/1): this replica imitates a model fine-tuned on that data. */
  SIM_TRAINED_BEHAVIOUR: envUnsetIfEmpty(
    z
      .string()
      .transform((path, ctx) => {
        try {
          return readTrainedBehaviour(path);
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: (error as Error).message });
          return z.NEVER;
        }
      })
      .optional(),
  ),
  SIM_SEED: envOptionalNumber,
  MAX_NUM_SEQS: envOptionalNumber,
  DECODE_TOKENS_PER_SECOND: envOptionalNumber,
  PREFILL_TOKENS_PER_SECOND: envOptionalNumber,
  MAX_MODEL_LEN: envOptionalNumber,
  KV_CACHE_BLOCKS: envOptionalNumber,
  FLAVOUR: envUnsetIfEmpty(z.enum(['vllm', 'sglang']).default('vllm')),
  SIM_BEHAVIOURS: envUnsetIfEmpty(
    z
      .string()
      .transform((spec, ctx) => {
        try {
          return parseBehaviourMix(spec, 'behaviour mix');
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: (error as Error).message });
          return z.NEVER;
        }
      })
      .optional(),
  ),
  MODEL_PROFILE: envUnsetIfEmpty(z.enum(SIM_PROFILE_NAMES as [string, ...string[]]).default('qwq-32b')),
  FAULT_ERROR_RATE: envOptionalNumber,
  FAULT_ERROR_STATUS: envOptionalNumber,
  FAULT_LATENCY_SPIKE_RATE: envOptionalNumber,
  FAULT_LATENCY_SPIKE_MS: envOptionalNumber,
  FAULT_HANG_RATE: envOptionalNumber,
  FAULT_DISCONNECT_RATE: envOptionalNumber,
  FAULT_MALFORMED_RATE: envOptionalNumber,
});

/**
 * One replica's settings; called once, from main.ts. Unset numbers keep the simulator's defaults
 * (the fault knobs' ranges are checked by `createModelSim`).
 */
export function modelSimConfig(env: NodeJS.ProcessEnv): ModelSimOptions {
  const e = parseEnv(ModelSimEnv, env);
  return {
    host: e.HOST,
    port: e.PORT ?? 8000,
    model: e.SIM_SERVED_MODEL ?? e.SIM_TRAINED_BEHAVIOUR?.model ?? e.MODEL,
    seed: e.SIM_SEED ?? 0,
    maxNumSeqs: e.MAX_NUM_SEQS,
    decodeTokensPerSecond: e.DECODE_TOKENS_PER_SECOND,
    prefillTokensPerSecond: e.PREFILL_TOKENS_PER_SECOND,
    maxModelLen: e.MAX_MODEL_LEN,
    kvCacheBlocks: e.KV_CACHE_BLOCKS,
    flavour: e.FLAVOUR,
    profile: e.MODEL_PROFILE,
    ...(e.SIM_BEHAVIOURS ? { behaviours: e.SIM_BEHAVIOURS } : {}),
    ...(e.SIM_TRAINED_BEHAVIOUR ? { trained: e.SIM_TRAINED_BEHAVIOUR } : {}),
    faults: {
      errorRate: e.FAULT_ERROR_RATE,
      errorStatus: e.FAULT_ERROR_STATUS,
      latencySpikeRate: e.FAULT_LATENCY_SPIKE_RATE,
      latencySpikeMs: e.FAULT_LATENCY_SPIKE_MS,
      hangRate: e.FAULT_HANG_RATE,
      disconnectRate: e.FAULT_DISCONNECT_RATE,
      malformedRate: e.FAULT_MALFORMED_RATE,
    },
  };
}

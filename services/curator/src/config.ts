import { envInt, infrastructureConfig, parseEnv, type InfrastructureConfig } from '@rft/config';
import { z } from 'zod';

export interface CuratorConfig extends InfrastructureConfig {
  concurrency: number;
  /** The model's `tokenizer.json`; unset uses the Qwen tokenizer bundled for development. */
  tokenizerJson: string | undefined;
  tokenizerConfig: string | undefined;
  tokenizerName: string | undefined;
}

/** The curator's settings; called once, from main.ts. */
export function curatorConfig(env: NodeJS.ProcessEnv): CuratorConfig {
  const e = parseEnv(
    z.object({
      CURATOR_CONCURRENCY: envInt(1, 64).default(1),
      TOKENIZER_JSON: z.string().min(1).optional(),
      TOKENIZER_CONFIG: z.string().min(1).optional(),
      TOKENIZER_NAME: z.string().min(1).optional(),
    }),
    env,
  );
  return {
    ...infrastructureConfig(env),
    concurrency: e.CURATOR_CONCURRENCY,
    tokenizerJson: e.TOKENIZER_JSON,
    tokenizerConfig: e.TOKENIZER_CONFIG,
    tokenizerName: e.TOKENIZER_NAME,
  };
}

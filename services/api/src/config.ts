import { envInt, infrastructureConfig, parseEnv, type InfrastructureConfig } from '@rft/config';
import { endpointAllowlistEnv, type EndpointAllowlist } from '@rft/contracts';
import { z } from 'zod';

export interface ApiConfig extends InfrastructureConfig {
  host: string;
  port: number;
  /** Registered as an admin token at start (from the deployment's secret) so the first tokens can be made. */
  bootstrapAdminToken: string | undefined;
  maxBodyBytes: number;
  maxInlineQuestionsBytes: number;
  maxQuestionFileBytes: number;
  /** Hosts and networks campaigns may name as inference endpoints. */
  endpointAllowlist: EndpointAllowlist;
  downloadUrlTtlSeconds: number;
}

/** The API's settings; called once, from main.ts. */
export function apiConfig(env: NodeJS.ProcessEnv): ApiConfig {
  const e = parseEnv(
    z.object({
      API_HOST: z.string().default('0.0.0.0'),
      API_PORT: envInt(0, 65535).default(8080),
      RFT_BOOTSTRAP_ADMIN_TOKEN: z.string().min(32, 'must be at least 32 characters').optional(),
      API_MAX_BODY_BYTES: envInt(1024, 2 ** 30).default(1024 * 1024),
      API_MAX_INLINE_QUESTIONS_BYTES: envInt(1024, 2 ** 30).default(16 * 1024 * 1024),
      API_MAX_QUESTION_FILE_BYTES: envInt(1024, 2 ** 32).default(2 ** 30),
      INFERENCE_ENDPOINT_ALLOWLIST: endpointAllowlistEnv,
      DOWNLOAD_URL_TTL_SECONDS: envInt(60, 7 * 24 * 3600).default(3600),
    }),
    env,
  );
  return {
    ...infrastructureConfig(env),
    host: e.API_HOST,
    port: e.API_PORT,
    bootstrapAdminToken: e.RFT_BOOTSTRAP_ADMIN_TOKEN,
    maxBodyBytes: e.API_MAX_BODY_BYTES,
    maxInlineQuestionsBytes: e.API_MAX_INLINE_QUESTIONS_BYTES,
    maxQuestionFileBytes: e.API_MAX_QUESTION_FILE_BYTES,
    endpointAllowlist: e.INFERENCE_ENDPOINT_ALLOWLIST,
    downloadUrlTtlSeconds: e.DOWNLOAD_URL_TTL_SECONDS,
  };
}

import { z } from 'zod';

/** A missing or malformed variable fails at start with one line per problem, naming the variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function parseEnv<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => `  ${issue.path.join('.') || '(env)'}: ${issue.message}`);
  throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
}

/** Env booleans: "1", "true", "yes" are true; "0", "false", "no", "" are false. */
export const envBoolean = z.enum(['1', '0', 'true', 'false', 'yes', 'no', '']).transform((v) => v === '1' || v === 'true' || v === 'yes');

export const envInt = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

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

/** An unset or empty variable is absent, so the inner schema's default (or `optional`) applies. */
export const envUnsetIfEmpty = <S extends z.ZodType>(schema: S) => z.preprocess((v) => (v === '' ? undefined : v), schema);

/** A number (integer or not; "Infinity" allowed) that may be left unset. */
export const envOptionalNumber = envUnsetIfEmpty(
  z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined) return undefined;
      const value = Number(raw);
      if (!Number.isFinite(value) && raw !== 'Infinity') {
        ctx.addIssue({ code: 'custom', message: `expected a number, got ${JSON.stringify(raw)}` });
        return z.NEVER;
      }
      return value;
    }),
);

/** "true"/"1" or "false"/"0", or unset. */
export const envOptionalStrictBoolean = envUnsetIfEmpty(
  z.enum(['true', '1', 'false', '0'], { error: (issue) => `expected true or false, got ${JSON.stringify(issue.input)}` }).optional(),
).transform((v) => (v === undefined ? undefined : v === 'true' || v === '1'));

/** Comma-separated URLs; empty means none. */
export const envUrlList = z
  .string()
  .default('')
  .transform((s) =>
    s
      .split(',')
      .map((u) => u.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.string().url()));

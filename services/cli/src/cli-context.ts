import { parseArgs, type ParseArgsConfig } from 'node:util';
import { createApiClient, type ApiClient } from './api-client.ts';
import { CliError, EXIT } from './exit-codes.ts';

/** Everything a command touches outside itself, so tests run the CLI in-process against a real API. */
export interface CliIo {
  env: Record<string, string | undefined>;
  stdout(text: string): void;
  stderr(text: string): void;
  readFile(path: string): Promise<Uint8Array>;
  sleep(ms: number): Promise<void>;
  /** Redraw in place (status --watch) only on a terminal. */
  isTty: boolean;
}

export const GLOBAL_OPTIONS = {
  'api-url': { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

type Options = NonNullable<ParseArgsConfig['options']>;

export interface Parsed<O extends Options> {
  values: ReturnType<typeof parseArgs<{ options: O & typeof GLOBAL_OPTIONS; allowPositionals: true; strict: true }>>['values'];
  positionals: string[];
}

/** Parses a command's arguments (its own options plus the global ones); mistakes are usage errors. */
export function parseCommand<O extends Options>(args: readonly string[], options: O, usage: string): Parsed<O> {
  try {
    const parsed = parseArgs({ args: [...args], options: { ...options, ...GLOBAL_OPTIONS }, allowPositionals: true, strict: true });
    return parsed as unknown as Parsed<O>;
  } catch (error) {
    throw new CliError(EXIT.usage, `${(error as Error).message}\nusage: ${usage}`);
  }
}

export function positional(parsed: { positionals: string[] }, index: number, name: string, usage: string): string {
  const value = parsed.positionals[index];
  if (!value) throw new CliError(EXIT.usage, `missing <${name}>\nusage: ${usage}`);
  return value;
}

export function clientFor(values: { 'api-url'?: string | undefined; token?: string | undefined }, io: CliIo): ApiClient {
  const url = values['api-url'] ?? io.env.RFT_API_URL ?? 'http://127.0.0.1:8080';
  return createApiClient(url, values.token ?? io.env.RFT_TOKEN);
}

export function printJson(io: CliIo, value: unknown): void {
  io.stdout(JSON.stringify(value, null, 2));
}

export function intOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new CliError(EXIT.usage, `--${name} must be a non-negative integer, got ${JSON.stringify(value)}`);
  return n;
}

export function positiveNumber(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new CliError(EXIT.usage, `--${name} must be a positive number, got ${JSON.stringify(value)}`);
  return n;
}

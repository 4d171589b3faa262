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
  /** Milliseconds since the epoch; tests may pin it. @defaultValue Date.now */
  now?: () => number;
}

/** The options every command takes (commander turns `--api-url` into `apiUrl`). */
export interface GlobalOptions {
  apiUrl?: string | undefined;
  token?: string | undefined;
  json?: boolean | undefined;
}

export function clientFor(values: GlobalOptions, io: CliIo): ApiClient {
  const url = values.apiUrl ?? io.env.RFT_API_URL ?? 'http://127.0.0.1:8080';
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

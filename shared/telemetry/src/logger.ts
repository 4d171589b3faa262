import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/** Paths never written to logs, whatever a caller passes in. */
const REDACT_PATHS = [
  'password',
  '*.password',
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'secretAccessKey',
  '*.secretAccessKey',
  'connectionString',
  '*.connectionString',
  'databaseUrl',
  '*.databaseUrl',
];

/**
 * A structured JSON logger: a constant message plus fields. Child loggers carry campaign, shard
 * and question ids so every line can be traced to the work it belongs to.
 */
export function createLogger(service: string, opts: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  const options: LoggerOptions = {
    level: opts.level ?? 'info',
    base: { service },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}

/** A logger that drops everything, for library defaults and quiet tests. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

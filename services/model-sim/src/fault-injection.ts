/** Faults the simulator can inject, by rate (random per request) or as a queue of one-shot faults. */
import type { Random } from './seeded-random.ts';

export type FaultKind = 'error' | 'latency_spike' | 'hang' | 'disconnect' | 'malformed_json';

export interface FaultConfig {
  /** Fraction of requests answered with `errorStatus`. */
  errorRate?: number;
  errorStatus?: number;
  latencySpikeRate?: number;
  latencySpikeMs?: number;
  /** Fraction of requests that never get an answer (until the client gives up). */
  hangRate?: number;
  /** Fraction of requests whose connection is reset without a response. */
  disconnectRate?: number;
  /** Fraction of requests answered 200 with a body that is not valid JSON. */
  malformedRate?: number;
}

export interface Fault {
  kind: FaultKind;
  status?: number;
  delayMs?: number;
}

export function drawFault(config: FaultConfig, rng: Random): Fault | null {
  const roll = rng.next();
  let edge = 0;
  const table: Array<[number | undefined, Fault]> = [
    [config.errorRate, { kind: 'error', status: config.errorStatus ?? 503 }],
    [config.hangRate, { kind: 'hang' }],
    [config.disconnectRate, { kind: 'disconnect' }],
    [config.malformedRate, { kind: 'malformed_json' }],
    [config.latencySpikeRate, { kind: 'latency_spike', delayMs: config.latencySpikeMs ?? 2000 }],
  ];
  for (const [rate, fault] of table) {
    edge += rate ?? 0;
    if (roll < edge) return fault;
  }
  return null;
}

export function validateFaultConfig(config: FaultConfig): void {
  for (const [key, value] of Object.entries(config)) {
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new Error(`faults.${key}: must be a non-negative number, got ${JSON.stringify(value)}`);
    if (key.endsWith('Rate') && value > 1) throw new Error(`faults.${key}: a rate must be at most 1, got ${value}`);
  }
}

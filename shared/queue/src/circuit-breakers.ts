import type { SharedResource } from '@rft/contracts';
import type { Redis } from 'ioredis';

export interface BreakerSettings {
  /** How long the first trip keeps a breaker open; each further trip in a row doubles it. @defaultValue 2 s */
  baseOpenMs: number;
  /** The longest a breaker stays open before letting work probe the resource again. @defaultValue 5 min */
  maxOpenMs: number;
}

export const DEFAULT_BREAKER_SETTINGS: BreakerSettings = { baseOpenMs: 2_000, maxOpenMs: 300_000 };

export interface BreakerState {
  resource: SharedResource;
  /** Epoch ms until which the resource is considered down; 0 when the breaker is closed. */
  openUntil: number;
  /** Trips in a row without a success in between. */
  trips: number;
  /** The cause of the last trip (replica URL and HTTP status, S3 error code and key). */
  reason: string;
}

const RESOURCES: readonly SharedResource[] = ['inference', 'sandbox', 'object-store'];
// State outlives the longest open period so consecutive trips keep doubling, then is forgotten.
const STATE_TTL_MS = 3_600_000;

// A trip while the breaker is open only refreshes the reason: a hundred jobs hitting the same
// outage at once count as one trip, so the open period grows with the outage's length, not its fan-out.
const TRIP = `
local now = tonumber(ARGV[1])
local openUntil = tonumber(redis.call('HGET', KEYS[1], 'openUntil') or '0')
local trips = tonumber(redis.call('HGET', KEYS[1], 'trips') or '0')
if openUntil <= now then
  trips = trips + 1
  local span = math.min(tonumber(ARGV[3]), tonumber(ARGV[2]) * 2 ^ (trips - 1))
  openUntil = now + span
  redis.call('HSET', KEYS[1], 'trips', trips, 'openUntil', openUntil)
end
redis.call('HSET', KEYS[1], 'reason', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return {openUntil, trips}`;

/**
 * Circuit breakers for the resources every job shares, kept in Redis so all workers and the
 * scheduler see the same state. A breaker trips on an infrastructure fault and stays open for an
 * exponentially growing period; while open, jobs that need the resource wait in the delayed set
 * and the scheduler admits no new work. It closes when a job using the resource succeeds.
 */
export class CircuitBreakers {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #settings: BreakerSettings;
  constructor(redis: Redis, prefix: string, settings: BreakerSettings = DEFAULT_BREAKER_SETTINGS) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#settings = settings;
  }

  #key(resource: SharedResource): string {
    return `${this.#prefix}:breaker:${resource}`;
  }

  /** Opens (or keeps open) the breaker of `resource`; returns its state after the trip. */
  async trip(resource: SharedResource, reason: string, now = Date.now()): Promise<BreakerState> {
    const [openUntil, trips] = (await this.#redis.eval(
      TRIP,
      1,
      this.#key(resource),
      now,
      this.#settings.baseOpenMs,
      this.#settings.maxOpenMs,
      reason.slice(0, 1000),
      STATE_TTL_MS,
    )) as [number, number];
    return { resource, openUntil: Number(openUntil), trips: Number(trips), reason };
  }

  /** Closes the breaker: the resource just served a job. Cheap when it is already closed. */
  async recordSuccess(resource: SharedResource): Promise<void> {
    await this.#redis.del(this.#key(resource));
  }

  async state(resource: SharedResource, now = Date.now()): Promise<BreakerState> {
    const h = await this.#redis.hgetall(this.#key(resource));
    const openUntil = Number(h['openUntil'] ?? 0);
    return { resource, openUntil: openUntil > now ? openUntil : 0, trips: Number(h['trips'] ?? 0), reason: h['reason'] ?? '' };
  }

  /** Breakers open right now, with their reasons. */
  async open(now = Date.now()): Promise<BreakerState[]> {
    const states = await Promise.all(RESOURCES.map((r) => this.state(r, now)));
    return states.filter((s) => s.openUntil > 0);
  }
}

/**
 * When a job that met an infrastructure fault should run again: once the breaker's open period
 * ends, spread over a fifth of that period again so waiting jobs do not all return at once.
 */
export function waitUntil(state: BreakerState, now = Date.now(), random = Math.random): number {
  const remaining = Math.max(state.openUntil - now, 1_000);
  return now + remaining + Math.floor(random() * remaining * 0.2);
}

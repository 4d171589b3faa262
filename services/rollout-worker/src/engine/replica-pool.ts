/**
 * The inference replicas behind one engine. Every turn of every sample of a question goes to the
 * same replica (affinity by key) so its prefix cache serves the shared prompt and each trajectory's
 * growing prefix. A new key goes to the replica with the fewest samples in progress (ties broken by
 * rendezvous hashing), which balances work at question granularity; a key moves only when its
 * replica is down or at its cap while another has room. Each replica has an in-flight request cap;
 * a replica failing `failureThreshold` times in a row is taken out and probed back in.
 */
import { hashString } from '@rft/seeded-random';

export interface ReplicaPoolOptions {
  maxInFlightPerReplica: number;
  failureThreshold: number;
  probeIntervalMs: number;
  /** Keys remembered for affinity (LRU). */
  affinityCapacity: number;
  /** Route by key (true) or round robin (false; for comparison benchmarks only). */
  affinity: boolean;
}

export type ReplicaHealth = 'up' | 'down';

export interface ReplicaState {
  url: string;
  health: ReplicaHealth;
  inFlight: number;
  queued: number;
  consecutiveFailures: number;
  /** Samples in progress whose key routes here. */
  activeSamples: number;
}

interface Replica extends ReplicaState {
  /** The last failure reported for this replica (HTTP status and body excerpt, or the connection error). */
  lastFailure: string | null;
  waiters: Array<{ resolve: () => void; reject: (e: Error) => void }>;
}

export interface Lease {
  replica: string;
  /** `detail` (for failures) is what went wrong; it names the cause when no replica is left. */
  release(outcome: 'ok' | 'failure' | 'neutral', detail?: string): void;
}

export class NoReplicaAvailableError extends Error {
  override readonly name = 'NoReplicaAvailableError';
}

export class ReplicaPool {
  readonly options: ReplicaPoolOptions;
  #replicas: Replica[];
  #affinity = new Map<string, Replica>();
  #roundRobin = 0;
  #probeTimer: NodeJS.Timeout | null = null;
  #probe: (url: string) => Promise<boolean>;
  #onChange: (state: ReplicaState) => void;

  constructor(
    urls: string[],
    options: ReplicaPoolOptions,
    probe: (url: string) => Promise<boolean>,
    onChange: (state: ReplicaState) => void = () => {},
  ) {
    if (urls.length === 0) throw new Error('endpoints: at least one inference endpoint is required');
    for (const u of urls) {
      try {
        new URL(u);
      } catch {
        throw new Error(`endpoints: ${JSON.stringify(u)} is not a URL`);
      }
    }
    this.options = options;
    this.#replicas = [...new Set(urls.map((u) => u.replace(/\/+$/, '')))].map((url) => ({
      url,
      health: 'up',
      inFlight: 0,
      queued: 0,
      consecutiveFailures: 0,
      activeSamples: 0,
      lastFailure: null,
      waiters: [],
    }));
    this.#probe = probe;
    this.#onChange = onChange;
  }

  states(): ReplicaState[] {
    return this.#replicas.map(({ url, health, inFlight, queued, consecutiveFailures, activeSamples }) => ({
      url,
      health,
      inFlight,
      queued,
      consecutiveFailures,
      activeSamples,
    }));
  }

  /** Counts a sample of `key` as in progress on the key's replica until the returned function is called. */
  beginSample(key: string): () => void {
    const replica = this.#choose(key);
    if (!replica) return () => {};
    replica.activeSamples++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      replica.activeSamples--;
    };
  }

  /** The replica a key is (or would be) routed to, without taking a slot. */
  routeOf(key: string): string | null {
    return this.#choose(key)?.url ?? null;
  }

  /** Takes an in-flight slot on the key's replica, waiting for one if that replica is at its cap. */
  async acquire(key: string, signal: AbortSignal): Promise<Lease> {
    for (;;) {
      signal.throwIfAborted();
      const replica = this.#choose(key);
      if (!replica) throw new NoReplicaAvailableError(this.#noneUpMessage());
      if (replica.inFlight < this.options.maxInFlightPerReplica) return this.#lease(replica);
      try {
        await this.#wait(replica, signal);
      } catch (error) {
        if (signal.aborted) throw error;
        continue; // the replica went down while we waited: choose again
      }
      if (replica.health === 'up' && replica.inFlight < this.options.maxInFlightPerReplica) return this.#lease(replica);
    }
  }

  #noneUpMessage(): string {
    const causes = this.#replicas.map((r) => `${r.url}: ${r.lastFailure ?? 'marked down'}`).slice(0, 4);
    return `no inference replica is up (${this.#replicas.length} configured); ${causes.join('; ')}`;
  }

  /** Forgets a key (its question is done), keeping the affinity map small. */
  forget(key: string): void {
    this.#affinity.delete(key);
  }

  close(): void {
    if (this.#probeTimer) clearInterval(this.#probeTimer);
    this.#probeTimer = null;
    for (const r of this.#replicas) for (const w of r.waiters.splice(0)) w.reject(new Error('replica pool closed'));
  }

  #choose(key: string): Replica | null {
    const up = this.#replicas.filter((r) => r.health === 'up');
    if (up.length === 0) return null;
    if (!this.options.affinity) return up[this.#roundRobin++ % up.length] ?? null;
    const sticky = this.#affinity.get(key);
    if (sticky && sticky.health === 'up') {
      if (!this.#overloaded(sticky, up)) {
        this.#affinity.delete(key);
        this.#affinity.set(key, sticky);
        return sticky;
      }
    }
    // Least samples in progress, ties by rendezvous hashing; replicas at their cap only if all are.
    const ranked = up
      .map((r) => ({ r, score: hashString(`${key}\u0000${r.url}`) }))
      .sort((a, b) => a.r.activeSamples - b.r.activeSamples || b.score - a.score)
      .map((x) => x.r);
    const chosen =
      ranked.find((r) => r.inFlight < this.options.maxInFlightPerReplica) ??
      ranked.reduce((a, b) => (b.inFlight + b.queued < a.inFlight + a.queued ? b : a));
    this.#affinity.delete(key);
    this.#affinity.set(key, chosen);
    if (this.#affinity.size > this.options.affinityCapacity) {
      const oldest = this.#affinity.keys().next();
      if (!oldest.done) this.#affinity.delete(oldest.value);
    }
    return chosen;
  }

  /** At its cap with a queue, while some other replica is at most half busy. */
  #overloaded(r: Replica, up: Replica[]): boolean {
    if (r.inFlight < this.options.maxInFlightPerReplica) return false;
    return up.some((o) => o !== r && o.inFlight + o.queued < this.options.maxInFlightPerReplica / 2);
  }

  #lease(replica: Replica): Lease {
    replica.inFlight++;
    this.#onChange(replica);
    let released = false;
    return {
      replica: replica.url,
      release: (outcome, detail) => {
        if (released) return;
        released = true;
        replica.inFlight--;
        if (outcome === 'ok') replica.consecutiveFailures = 0;
        if (outcome === 'failure') {
          replica.consecutiveFailures++;
          replica.lastFailure = detail?.slice(0, 300) ?? 'request failed';
          if (replica.health === 'up' && replica.consecutiveFailures >= this.options.failureThreshold) this.#markDown(replica);
        }
        const next = replica.waiters.shift();
        if (next) {
          replica.queued--;
          next.resolve();
        }
        this.#onChange(replica);
      },
    };
  }

  #wait(replica: Replica, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve: () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
        reject: (e: Error) => {
          signal.removeEventListener('abort', onAbort);
          reject(e);
        },
      };
      const onAbort = (): void => {
        const i = replica.waiters.indexOf(waiter);
        if (i >= 0) {
          replica.waiters.splice(i, 1);
          replica.queued--;
        }
        reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      replica.waiters.push(waiter);
      replica.queued++;
    });
  }

  #markDown(replica: Replica): void {
    replica.health = 'down';
    for (const w of replica.waiters.splice(0)) {
      replica.queued--;
      w.reject(new Error(`replica ${replica.url} is down`));
    }
    this.#onChange(replica);
    this.#ensureProbing();
  }

  #ensureProbing(): void {
    if (this.#probeTimer) return;
    this.#probeTimer = setInterval(() => {
      const down = this.#replicas.filter((r) => r.health === 'down');
      if (down.length === 0 && this.#probeTimer) {
        clearInterval(this.#probeTimer);
        this.#probeTimer = null;
        return;
      }
      for (const r of down) {
        this.#probe(r.url).then(
          (ok) => {
            if (ok && r.health === 'down') {
              r.health = 'up';
              r.consecutiveFailures = 0;
              this.#onChange(r);
            }
          },
          () => {},
        );
      }
    }, this.options.probeIntervalMs);
    this.#probeTimer.unref();
  }
}

/**
 * A continuous-batching server in miniature: at most `maxNumSeqs` sequences run at once, the rest
 * wait in FIFO order. A running sequence holds its slot for its prefill time (uncached prompt tokens
 * at `prefillTokensPerSecond`) plus its decode time (completion tokens at `decodeTokensPerSecond`).
 * Throughput is therefore bounded by maxNumSeqs × decodeTokensPerSecond, as a real server's is by
 * its batch size and step time.
 *
 * The simulated timeline does not depend on the event loop's timer lag: a sequence admitted into a
 * slot freed by another starts when that one ended on the simulated clock, not when its timer fired;
 * lag only delays the delivery of the response.
 */

export interface SchedulerOptions {
  maxNumSeqs: number;
  /** Per sequence; Infinity answers instantly. */
  decodeTokensPerSecond: number;
  prefillTokensPerSecond: number;
}

export interface Job {
  uncachedPromptTokens: number;
  /** Prompt + completion tokens: the KV blocks the sequence holds while it runs. */
  contextTokens: number;
  completionTokens: number;
  extraDelayMs: number;
}

/** Where a finished sequence's time went on the simulated clock, in ms (the basis of the latency histograms). */
export interface RunTiming {
  /** Waiting for a slot. */
  queuedMs: number;
  /** Prefill of the uncached prompt, plus any injected delay. */
  prefillMs: number;
  decodeMs: number;
}

interface Running {
  startedAt: number;
  decodeStartsAt: number;
  endsAt: number;
  tokens: number;
  contextTokens: number;
}

export class BatchScheduler {
  readonly options: SchedulerOptions;
  #running = new Set<Running>();
  #waiting: Array<(freedAt: number) => void> = [];
  #finishedTokens = 0;
  #closed = false;
  #timers = new Set<NodeJS.Timeout>();

  constructor(options: SchedulerOptions) {
    this.options = options;
  }

  /** Tokens of KV held by running sequences. */
  get kvTokensInUse(): number {
    let total = 0;
    for (const r of this.#running) total += r.contextTokens;
    return total;
  }

  get running(): number {
    return this.#running.size;
  }

  get waiting(): number {
    return this.#waiting.length;
  }

  /** Generated tokens credited so far, counting running sequences pro rata of their decode time. */
  generatedTokens(now = performance.now()): number {
    let total = this.#finishedTokens;
    for (const r of this.#running) {
      if (now <= r.decodeStartsAt) continue;
      const span = r.endsAt - r.decodeStartsAt;
      total += span <= 0 ? r.tokens : r.tokens * Math.min(1, (now - r.decodeStartsAt) / span);
    }
    return total;
  }

  /** Waits for a slot, holds it for the job's simulated duration, then frees it. */
  async run(job: Job, signal: AbortSignal): Promise<RunTiming> {
    const arrivedAt = performance.now();
    let startAt = arrivedAt;
    if (this.#running.size >= this.options.maxNumSeqs) {
      const enqueuedAt = startAt;
      startAt = await new Promise<number>((resolve, reject) => {
        const admit = (freedAt: number): void => {
          signal.removeEventListener('abort', onAbort);
          resolve(Math.max(enqueuedAt, freedAt));
        };
        const onAbort = (): void => {
          const i = this.#waiting.indexOf(admit);
          if (i >= 0) this.#waiting.splice(i, 1);
          reject(new Error('aborted while waiting'));
        };
        signal.addEventListener('abort', onAbort, { once: true });
        this.#waiting.push(admit);
      });
    }
    const now = startAt;
    const prefillMs = (job.uncachedPromptTokens / this.options.prefillTokensPerSecond) * 1000;
    const decodeMs = (job.completionTokens / this.options.decodeTokensPerSecond) * 1000;
    const entry: Running = {
      startedAt: now,
      decodeStartsAt: now + prefillMs + job.extraDelayMs,
      endsAt: now + prefillMs + job.extraDelayMs + decodeMs,
      tokens: job.completionTokens,
      contextTokens: job.contextTokens,
    };
    this.#running.add(entry);
    let completed = false;
    try {
      const totalMs = entry.endsAt - performance.now();
      if (totalMs > 0 && Number.isFinite(totalMs)) await this.#sleep(totalMs, signal);
      else await new Promise((r) => setImmediate(r));
      completed = true;
    } finally {
      this.#running.delete(entry);
      if (completed) this.#finishedTokens += entry.tokens;
      else this.#finishedTokens += this.generatedTokensOf(entry, performance.now());
      const next = this.#waiting.shift();
      if (next) next(completed ? entry.endsAt : performance.now());
    }
    return { queuedMs: now - arrivedAt, prefillMs: entry.decodeStartsAt - now, decodeMs: entry.endsAt - entry.decodeStartsAt };
  }

  private generatedTokensOf(r: Running, now: number): number {
    if (now <= r.decodeStartsAt) return 0;
    const span = r.endsAt - r.decodeStartsAt;
    return span <= 0 ? r.tokens : Math.floor(r.tokens * Math.min(1, (now - r.decodeStartsAt) / span));
  }

  #sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.#closed) return reject(new Error('scheduler closed'));
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      this.#timers.add(timer);
      const onAbort = (): void => {
        clearTimeout(timer);
        this.#timers.delete(timer);
        reject(new Error('aborted'));
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  close(): void {
    this.#closed = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }
}

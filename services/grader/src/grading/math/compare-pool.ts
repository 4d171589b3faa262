import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { CompareOptions, CompareResult } from './answer-compare.ts';
import type { CompareReply, CompareTask, ReadyMessage } from './compare-worker.ts';

export interface ComparePoolOptions {
  /** Worker threads (default: available cores, at most 4). */
  workers?: number;
  /** Per-comparison budget; an overrunning worker is terminated and replaced (default 3000 ms). */
  timeoutMs?: number;
  /** Heap cap per worker; a comparison that exceeds it kills only its worker (default 256 MB). */
  maxHeapMb?: number;
  /** Worker script; defaults to compare-worker.ts. Tests substitute one that can be made to hang. */
  workerUrl?: URL;
}

export interface ComparePool {
  compare(gold: string, pred: string, options?: CompareOptions): Promise<CompareResult>;
  /** Counters for metrics and tests. */
  stats(): { completed: number; timeouts: number; crashes: number; workers: number; broken: string | null };
  close(): Promise<void>;
}

interface Pending {
  task: CompareTask;
  resolve: (r: CompareResult) => void;
}

interface Slot {
  worker: Worker;
  /** The worker has loaded its modules; deadlines start only once a task is handed to a ready worker. */
  ready: boolean;
  /** Consecutive deaths before reaching ready; the pool gives up after MAX_BOOT_FAILURES. */
  bootFailures: number;
  current: Pending | null;
  timer: NodeJS.Timeout | null;
}

const WORKER_URL = new URL('./compare-worker.ts', import.meta.url);
const MAX_BOOT_FAILURES = 3;

/**
 * A fixed pool of comparison workers. Every comparison runs under a hard deadline: on expiry the worker
 * is terminated (whatever it is stuck in), the comparison resolves as not equal with `undecided: 'timeout'`,
 * and a fresh worker takes the slot. A worker that dies resolves its task as `crash` the same way.
 */
export function createComparePool(options: ComparePoolOptions = {}): ComparePool {
  const size = Math.max(1, options.workers ?? Math.min(4, availableParallelism()));
  const timeoutMs = options.timeoutMs ?? 3000;
  const queue: Pending[] = [];
  const slots: Slot[] = [];
  let nextId = 1;
  let closed = false;
  let broken: string | null = null;
  const counters = { completed: 0, timeouts: 0, crashes: 0 };

  const finish = (slot: Slot, result: CompareResult): void => {
    const job = slot.current;
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    slot.current = null;
    if (job) {
      counters.completed++;
      job.resolve(result);
    }
  };

  const spawn = (slot: Slot): void => {
    const worker = new Worker(options.workerUrl ?? WORKER_URL, {
      resourceLimits: { maxOldGenerationSizeMb: options.maxHeapMb ?? 256 },
    });
    slot.worker = worker;
    slot.ready = false;
    worker.on('message', (reply: CompareReply | ReadyMessage) => {
      if (slot.worker !== worker) return;
      if ('ready' in reply) {
        slot.ready = true;
        slot.bootFailures = 0;
        pump();
        return;
      }
      if (slot.current?.task.id !== reply.id) return;
      finish(slot, reply.result);
      pump();
    });
    const onDeath = (why: string): void => {
      if (slot.worker !== worker || closed) return;
      if (slot.current) {
        counters.crashes++;
        finish(slot, { equal: false, method: 'none', undecided: 'crash', detail: why });
      }
      if (!slot.ready && ++slot.bootFailures >= MAX_BOOT_FAILURES) {
        // A worker that cannot even start will not start next time either: fail fast instead of respawning forever.
        broken = `compare worker failed to start ${MAX_BOOT_FAILURES} times: ${why}`;
        for (const job of queue.splice(0)) job.resolve({ equal: false, method: 'none', undecided: 'crash', detail: broken });
        return;
      }
      spawn(slot);
      pump();
    };
    worker.on('error', (e) => onDeath(e.message));
    worker.on('exit', (code) => onDeath(`worker exited with code ${code}`));
  };

  const replace = (slot: Slot): void => {
    const old = slot.worker;
    spawn(slot);
    void old.terminate();
  };

  const pump = (): void => {
    for (const slot of slots) {
      if (!slot.ready || slot.current || queue.length === 0) continue;
      const job = queue.shift()!;
      slot.current = job;
      slot.timer = setTimeout(() => {
        counters.timeouts++;
        finish(slot, { equal: false, method: 'none', undecided: 'timeout', detail: `comparison exceeded ${timeoutMs} ms` });
        replace(slot);
        pump();
      }, timeoutMs);
      slot.worker.ref();
      slot.worker.postMessage(job.task);
    }
    // Idle workers do not keep the process alive; a worker still booting for queued work does.
    for (const slot of slots) if (!slot.current && (slot.ready || queue.length === 0)) slot.worker.unref();
  };

  for (let i = 0; i < size; i++) {
    const slot = { current: null, timer: null, ready: false, bootFailures: 0 } as unknown as Slot;
    spawn(slot);
    slots.push(slot);
  }

  return {
    compare(gold, pred, compareOptions = {}) {
      if (closed) return Promise.reject(new Error('compare pool is closed'));
      if (broken) return Promise.resolve({ equal: false, method: 'none', undecided: 'crash', detail: broken });
      return new Promise<CompareResult>((resolve) => {
        queue.push({ task: { id: nextId++, gold, pred, options: compareOptions }, resolve });
        pump();
      });
    },
    stats: () => ({ ...counters, workers: slots.length, broken }),
    async close() {
      closed = true;
      for (const job of queue.splice(0)) job.resolve({ equal: false, method: 'none', undecided: 'crash', detail: 'pool closed' });
      await Promise.all(
        slots.map(async (slot) => {
          if (slot.current) finish(slot, { equal: false, method: 'none', undecided: 'crash', detail: 'pool closed' });
          await slot.worker.terminate();
        }),
      );
    },
  };
}

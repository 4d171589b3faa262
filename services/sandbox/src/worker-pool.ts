import type { Logger } from 'pino';
import type { ExecutionRequest, ExecutionResult } from '@rft/contracts';
import type { ResolvedLimits } from './execution-limits.ts';
import { bwrapUnavailableReason, prepareRuntime, slotIdentity, type RuntimeLayout } from './fork-server-launch.ts';
import type { ForkServerProcess, ForkServerReply, ProbeReport } from './fork-server-process.ts';
import { bootForkServer, createSlot, type Slot } from './fork-server-slot.ts';
import { assessIsolation, type IsolationReport } from './isolation-report.ts';
import type { SandboxConfig } from './sandbox-config.ts';
import type { SandboxMetrics } from './sandbox-metrics.ts';
import { SandboxStartError, noticeResult, restartNotice } from './sandbox-notices.ts';
import { SessionRegistry } from './session-registry.ts';

export { SandboxStartError, noticeResult } from './sandbox-notices.ts';

interface QueuedJob {
  request: ExecutionRequest;
  limits: ResolvedLimits;
  signal: AbortSignal | undefined;
  enqueuedAt: number;
  resolve(result: ExecutionResult): void;
  timer: NodeJS.Timeout | null;
  onAbort: (() => void) | null;
}

const CLOSE_GRACE_MS = 10_000;

/**
 * Snippets that name these run on a warm fork server: they are, or import, numpy or sympy,
 * which a lean one would import cold (~100 ms).
 */
const NEEDS_WARM_PARENT = /numpy|sympy|scipy|mpmath|pandas|matplotlib|sklearn|statsmodels|networkx/;

function isLeanEligible(job: QueuedJob): boolean {
  return job.request.sessionId === undefined && !NEEDS_WARM_PARENT.test(job.request.code);
}

/** K warm fork servers, a bounded queue, sessions pinned to their fork server, recycling. */
export class WorkerPool {
  isolation: IsolationReport | null = null;
  private readonly config: SandboxConfig;
  private readonly logger: Logger;
  private readonly metrics: SandboxMetrics;
  private readonly slots: Slot[];
  private readonly queue: QueuedJob[] = [];
  private readonly sessions = new SessionRegistry();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly serviceIsRoot = process.getuid?.() === 0;
  private layout: RuntimeLayout | null = null;
  private layers = { bwrap: false, seccomp: false, landlock: false };
  private firstProbe: ProbeReport | null = null;
  private sweepTimer: NodeJS.Timeout | null = null;
  private closing = false;

  constructor(deps: { config: SandboxConfig; logger: Logger; metrics: SandboxMetrics }) {
    this.config = deps.config;
    this.logger = deps.logger;
    this.metrics = deps.metrics;
    const total = this.config.poolSize + this.config.leanPoolSize;
    this.slots = Array.from({ length: total }, (_, index) =>
      createSlot(index, slotIdentity(this.config, index, this.serviceIsRoot), index >= this.config.poolSize),
    );
  }

  async start(): Promise<IsolationReport> {
    const { config } = this;
    const serviceUid = process.getuid?.() ?? -1;
    if (!this.serviceIsRoot && !config.allowSameUid) {
      throw new SandboxStartError([
        `uid: the service runs as uid ${serviceUid} and cannot drop to a dedicated uid; set allowSameUid (SANDBOX_ALLOW_SAME_UID=true) only in a container that holds nothing but the sandbox`,
      ]);
    }
    this.layout = await prepareRuntime(config, this.serviceIsRoot);
    const slot0 = this.slots[0]!;
    let bwrapUnavailable: string | null = null;
    if (config.layers.bwrap !== 'off') bwrapUnavailable = await bwrapUnavailableReason(config, this.layout, slot0.identity);
    this.layers = {
      bwrap: config.layers.bwrap !== 'off' && bwrapUnavailable === null,
      seccomp: config.layers.seccomp !== 'off',
      landlock: config.layers.landlock !== 'off',
    };
    const first = await this.boot(slot0);
    const { report, problems } = assessIsolation({
      config,
      identity: slot0.identity,
      serviceUid,
      bwrapLaunched: first.spec.bwrap,
      bwrapUnavailable,
      probe: this.firstProbe!,
    });
    if (problems.length > 0) {
      await first.kill();
      await this.layout.dispose();
      throw new SandboxStartError(problems);
    }
    this.isolation = report;
    for (const [layer, state] of Object.entries(report)) {
      if (typeof state === 'object') this.metrics.isolationLayer.set({ layer }, state.active ? 1 : 0);
    }
    this.attach(slot0, first);
    await Promise.all(this.slots.slice(1).map(async (slot) => this.attach(slot, await this.boot(slot))));
    const ttl = config.sessions.idleTtlMs;
    this.sweepTimer = setInterval(() => this.closeIdleSessions(), Math.max(250, Math.min(ttl / 2, 10_000)));
    this.sweepTimer.unref();
    this.refreshGauges();
    return report;
  }

  /** Issues a session id owned by `owner`; null when the service holds as many sessions as it may. */
  openSession(owner: string): string | null {
    if (this.sessions.size >= this.maxIssuedSessions()) return null;
    const sessionId = this.sessions.issue(owner, Date.now());
    this.refreshGauges();
    return sessionId;
  }

  /** True when the session exists and `caller` created it. */
  ownsSession(sessionId: string, caller: string): boolean {
    return this.sessions.owned(sessionId, caller) !== undefined;
  }

  /** Issued sessions may outnumber interpreters (those are LRU-evicted), within reason. */
  private maxIssuedSessions(): number {
    return 4 * this.config.poolSize * this.config.sessions.maxPerWorker;
  }

  submit(request: ExecutionRequest, limits: ResolvedLimits, signal?: AbortSignal): Promise<ExecutionResult> {
    if (this.closing) return Promise.resolve(noticeResult('busy', 'the sandbox is shutting down; it did not run'));
    if (signal?.aborted) return Promise.resolve(noticeResult('killed', 'cancelled before it started'));
    return new Promise((resolve) => {
      const job: QueuedJob = { request, limits, signal, enqueuedAt: Date.now(), resolve, timer: null, onAbort: null };
      this.queue.push(job);
      this.pump();
      if (!this.queue.includes(job)) return;
      if (this.queue.length > this.config.maxQueue) {
        this.dequeue(job);
        resolve(
          noticeResult(
            'busy',
            `all ${this.config.poolSize} fork servers busy and ${this.config.maxQueue} requests waiting; it did not run`,
          ),
        );
        return;
      }
      job.timer = setTimeout(() => {
        this.dequeue(job);
        resolve(noticeResult('busy', `waited ${this.config.queueTimeoutMs} ms for a free fork server; it did not run`));
      }, this.config.queueTimeoutMs);
      job.onAbort = () => {
        this.dequeue(job);
        resolve(noticeResult('killed', 'cancelled before it started'));
      };
      signal?.addEventListener('abort', job.onAbort, { once: true });
      this.refreshGauges();
    });
  }

  /** Ends a session now (or after its running cell). Resolves false when it is unknown. */
  async closeSession(sessionId: string): Promise<boolean> {
    const entry = this.sessions.get(sessionId);
    if (!entry) return false;
    if (entry.running) {
      entry.closeWhenIdle = true;
      return true;
    }
    const closed = entry.slot === undefined ? undefined : this.slots[entry.slot]?.worker?.closeSession(sessionId);
    this.sessions.remove(sessionId);
    this.refreshGauges();
    await closed;
    return true;
  }

  stats(): { workers: Record<string, number>; queued: number; sessions: number; liveSessions: number; ready: boolean } {
    const workers = { idle: 0, busy: 0, starting: 0 };
    for (const slot of this.slots) workers[slot.state]++;
    return {
      workers,
      queued: this.queue.length,
      sessions: this.sessions.size,
      liveSessions: this.sessions.live,
      ready: workers.idle + workers.busy > 0,
    };
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    for (const job of [...this.queue]) {
      this.dequeue(job);
      job.resolve(noticeResult('busy', 'the sandbox is shutting down; it did not run'));
    }
    let graceTimer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.inFlight]),
      new Promise((resolve) => (graceTimer = setTimeout(resolve, CLOSE_GRACE_MS))),
    ]);
    clearTimeout(graceTimer);
    await Promise.all(
      this.slots.flatMap((slot) => {
        if (slot.restartTimer) clearTimeout(slot.restartTimer);
        return [slot.worker?.kill(), slot.replacement?.kill()];
      }),
    );
    await this.layout?.dispose();
  }

  // ------------------------------------------------------------------ workers

  private async boot(slot: Slot): Promise<ForkServerProcess> {
    const { worker, probe } = await bootForkServer(
      { config: this.config, layout: this.layout!, layers: this.layers, logger: this.logger, expected: this.isolation },
      slot,
    );
    this.firstProbe ??= probe;
    return worker;
  }

  private attach(slot: Slot, worker: ForkServerProcess): void {
    if (slot.restartTimer) clearTimeout(slot.restartTimer);
    slot.restartTimer = null;
    slot.worker = worker;
    slot.state = 'idle';
    slot.baseRssKb = worker.ready?.rssKb ?? 0;
    this.metrics.forkServerHugePages.set({ slot: String(slot.index) }, (worker.ready?.hugePagesKb ?? 0) * 1024);
    this.logger.info(
      {
        slot: slot.index,
        pid: worker.ready?.pid,
        uid: worker.ready?.uid,
        rssKb: worker.ready?.rssKb,
        hugePagesKb: worker.ready?.hugePagesKb,
        hugePagesNote: worker.ready?.hugePagesNote ?? undefined,
        bareFork: worker.ready?.bareFork,
        isolation: this.isolation?.summary,
      },
      'fork server ready',
    );
    void worker.exited.then((reason) => this.onExit(slot, worker, reason));
    this.refreshGauges();
    this.pump();
  }

  private onExit(slot: Slot, worker: ForkServerProcess, reason: string): void {
    if (slot.worker !== worker || this.closing) return;
    slot.worker = null;
    slot.state = 'starting';
    this.sessions.loseSlot(slot.index, `its fork server died (${reason})`);
    this.metrics.restarts.inc();
    this.logger.error({ slot: slot.index, reason }, 'fork server died; restarting');
    this.scheduleRestart(slot);
  }

  private scheduleRestart(slot: Slot): void {
    const delay = Math.min(5_000, 100 * 2 ** slot.failures);
    slot.restartTimer = setTimeout(() => {
      this.boot(slot).then(
        (worker) => {
          if (this.closing || slot.worker?.alive) return void worker.kill();
          slot.failures = 0;
          this.attach(slot, worker);
        },
        (error: unknown) => {
          slot.failures++;
          this.logger.error({ slot: slot.index, err: error }, 'fork server restart failed');
          if (!this.closing) this.scheduleRestart(slot);
        },
      );
    }, delay);
    this.refreshGauges();
  }

  private maybeRecycle(slot: Slot, worker: ForkServerProcess, reply: ForkServerReply): void {
    if (slot.replacing || this.closing) return;
    const growthMb = ((reply.rssKb ?? slot.baseRssKb) - slot.baseRssKb) / 1024;
    const withSessions = this.sessions.countOnSlot(slot.index) > 0;
    let reason: 'runs' | 'memory' | null = null;
    if (growthMb > this.config.recycleRssGrowthMb) reason = 'memory';
    else if (worker.runs >= this.config.recycleAfterRuns * (withSessions ? 10 : 1)) reason = 'runs';
    if (!reason) return;
    slot.replacing = reason;
    this.boot(slot).then(
      (replacement) => {
        slot.replacement = replacement;
        this.maybeSwap(slot);
      },
      (error: unknown) => {
        slot.replacing = null;
        this.logger.error({ slot: slot.index, err: error }, 'fork server replacement failed');
      },
    );
  }

  private maybeSwap(slot: Slot): void {
    const replacement = slot.replacement;
    if (!replacement || slot.state === 'busy') return;
    if (this.closing) return void replacement.kill();
    const old = slot.worker;
    this.metrics.recycles.inc({ reason: slot.replacing ?? 'runs' });
    slot.replacement = null;
    slot.replacing = null;
    this.sessions.loseSlot(slot.index, 'its fork server was recycled');
    this.attach(slot, replacement);
    void old?.kill();
  }

  // ------------------------------------------------------------------ dispatch

  private dequeue(job: QueuedJob): void {
    const at = this.queue.indexOf(job);
    if (at >= 0) this.queue.splice(at, 1);
    if (job.timer) clearTimeout(job.timer);
    if (job.onAbort) job.signal?.removeEventListener('abort', job.onAbort);
    job.timer = null;
    job.onAbort = null;
    this.refreshGauges();
  }

  /**
   * `leanAhead`: plain snippets (lean-eligible) passed over earlier in this pump, still waiting.
   * A plain snippet waits for a lean fork server rather than take a warm one while no more plain
   * snippets wait than there are lean servers: a lean run costs about half the CPU of a warm one
   * and its wait is about one lean run, so overflowing to warm servers lowered throughput.
   */
  private pickSlot(job: QueuedJob, leanAhead: number): Slot | undefined {
    const idle = this.slots.filter((slot) => slot.state === 'idle' && slot.worker?.alive);
    if (idle.length === 0) return undefined;
    const sessionId = job.request.sessionId;
    if (sessionId === undefined) {
      if (!isLeanEligible(job)) return idle.find((slot) => !slot.lean);
      const lean = idle.find((slot) => slot.lean);
      if (lean) return lean;
      const leanServing = this.slots.filter((slot) => slot.lean && slot.worker?.alive).length;
      return leanAhead < leanServing ? undefined : idle.find((slot) => !slot.lean);
    }
    const entry = this.sessions.get(sessionId);
    if (!entry) return idle[0]; // closed while queued: answered without running
    if (entry.slot !== undefined) return idle.find((slot) => slot.index === entry.slot);
    const byLoad = idle
      .filter((slot) => !slot.lean)
      .map((slot) => ({ slot, count: this.sessions.countOnSlot(slot.index) }))
      .sort((a, b) => a.count - b.count);
    const best = byLoad[0];
    if (!best) return undefined;
    if (best.count >= this.config.sessions.maxPerWorker) {
      const victim = this.sessions.leastRecentlyUsed(best.slot.index);
      if (victim === undefined) return undefined;
      void best.slot.worker?.closeSession(victim);
      this.sessions.lose(victim, 'evicted: too many sessions on its fork server');
    }
    return best.slot;
  }

  private pump(): void {
    let leanAhead = 0;
    for (let i = 0; i < this.queue.length; ) {
      const job = this.queue[i]!;
      const slot = this.pickSlot(job, leanAhead);
      if (!slot) {
        if (isLeanEligible(job)) leanAhead++;
        i++;
        continue;
      }
      this.dequeue(job);
      const done = this.execute(slot, job);
      this.inFlight.add(done);
      void done.finally(() => this.inFlight.delete(done));
    }
  }

  private async execute(slot: Slot, job: QueuedJob): Promise<void> {
    const worker = slot.worker!;
    slot.state = 'busy';
    this.refreshGauges();
    const started = Date.now();
    this.metrics.queueWait.observe((started - job.enqueuedAt) / 1000);
    const { request } = job;
    const sessionId = request.sessionId;
    let lostReason: string | undefined;
    if (sessionId !== undefined) {
      const entry = this.sessions.get(sessionId);
      if (!entry) {
        slot.state = 'idle';
        job.resolve(noticeResult('error', 'the session was closed before this cell ran; it did not run'));
        this.refreshGauges();
        this.pump();
        return;
      }
      if (entry.slot === undefined) {
        entry.slot = slot.index;
        lostReason = entry.lostReason;
        entry.lostReason = undefined;
        if (lostReason) this.metrics.sessionRestarts.inc();
      }
      entry.running = true;
    }
    const { id, reply: pending } = worker.run({
      code: request.code,
      ...(request.stdin !== undefined ? { stdin: request.stdin } : {}),
      limits: job.limits,
      ...(sessionId !== undefined ? { sessionId } : {}),
      allowSubprocesses: request.allowSubprocesses === true,
    });
    const onAbort = (): void => worker.cancel(id);
    job.signal?.addEventListener('abort', onAbort, { once: true });
    const reply = await pending;
    job.signal?.removeEventListener('abort', onAbort);
    if (reply.rssKb !== undefined) this.metrics.forkServerRss.set({ slot: String(slot.index) }, reply.rssKb * 1024);
    if (sessionId !== undefined) this.afterSessionCell(sessionId, worker, reply);
    const stderr = lostReason ? `${restartNotice(lostReason)}${reply.stderr}` : reply.stderr;
    const result: ExecutionResult = {
      status: reply.status,
      stdout: reply.stdout,
      stderr,
      exitCode: reply.exitCode,
      wallMs: reply.wallMs,
      cpuMs: reply.cpuMs,
      truncated: reply.truncated,
      ...(lostReason ? { sessionRestarted: true } : {}),
    };
    this.metrics.recordResult(result.status, sessionId === undefined ? 'stateless' : 'session', result.wallMs);
    if (result.status === 'sandbox_error') {
      this.logger.warn({ slot: slot.index, sessionId, stderr: result.stderr.slice(-2000) }, 'execution failed in the sandbox');
    } else {
      this.logger.debug(
        { slot: slot.index, sessionId, status: result.status, wallMs: result.wallMs, isolation: this.isolation?.summary },
        'execution finished',
      );
    }
    if (slot.worker === worker) {
      slot.state = 'idle';
      this.maybeRecycle(slot, worker, reply);
      this.maybeSwap(slot);
    }
    job.resolve(result);
    this.refreshGauges();
    this.pump();
  }

  private afterSessionCell(sessionId: string, worker: ForkServerProcess, reply: ForkServerReply): void {
    const entry = this.sessions.get(sessionId);
    if (!entry) return;
    entry.running = false;
    entry.lastUsed = Date.now();
    if (entry.closeWhenIdle) {
      if (!reply.sessionEnded) void worker.closeSession(sessionId);
      this.sessions.remove(sessionId);
    } else if (reply.sessionEnded) {
      this.sessions.lose(sessionId, `a previous cell ended it: ${reply.status}`);
    }
  }

  private closeIdleSessions(): void {
    const ttl = this.config.sessions.idleTtlMs;
    for (const sessionId of this.sessions.idle(Date.now(), ttl)) {
      const slot = this.sessions.get(sessionId)?.slot;
      if (slot !== undefined) void this.slots[slot]?.worker?.closeSession(sessionId);
      this.sessions.remove(sessionId);
    }
    this.refreshGauges();
  }

  private refreshGauges(): void {
    const { workers, queued, liveSessions } = this.stats();
    for (const [state, count] of Object.entries(workers)) this.metrics.workers.set({ state }, count);
    this.metrics.queueDepth.set(queued);
    this.metrics.sessions.set(liveSessions);
  }
}

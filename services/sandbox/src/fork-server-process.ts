import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { ExecutionStatus } from '@rft/contracts';
import type { ResolvedLimits } from './execution-limits.ts';
import type { LaunchSpec } from './fork-server-launch.ts';

export interface ForkServerRun {
  code: string;
  stdin?: string;
  limits: ResolvedLimits;
  sessionId?: string;
  allowSubprocesses?: boolean;
}

export interface ForkServerReply {
  status: ExecutionStatus;
  stdout: string;
  stderr: string;
  exitCode: number | null;
  wallMs: number;
  cpuMs: number;
  truncated: boolean;
  rssKb?: number;
  sessionCreated?: boolean;
  sessionEnded?: boolean;
}

export interface ReadyInfo {
  pid: number;
  uid: number;
  gid: number;
  groups: number[];
  rssKb: number;
  python: string;
  /** Heap collapsed into 2 MiB pages before serving, and why not when 0. */
  hugePagesKb: number;
  hugePagesNote: string | null;
  /** Children forked without CPython's after-fork work (the fork server has one thread). */
  bareFork: boolean;
}

/** What the fork server's own probe saw (python/probe.py). */
export interface ProbeReport {
  uid: number;
  gid: number;
  groups: number[];
  seccomp: { active: boolean; seen: Record<string, unknown> | null };
  landlockAbi: number;
  landlock: { active: boolean; seen: Record<string, unknown> | null; features: Record<string, boolean> };
  namespaces: { interfaces: string[] | null; init: string | null; writeRoot: number; error?: string };
  seccompAvailable: boolean;
}

interface Pending {
  resolve(reply: unknown): void;
}

const STDERR_KEEP = 4096;

/**
 * One warm fork server and its JSON-lines protocol. It runs one execution at a time (the pool
 * guarantees that); cancels and session closes may be sent at any moment.
 */
export class ForkServerProcess {
  readonly spec: LaunchSpec;
  readonly child: ChildProcessWithoutNullStreams;
  readonly exited: Promise<string>;
  ready: ReadyInfo | null = null;
  runs = 0;
  private nextId = 0;
  private readonly pending = new Map<string, Pending>();
  private stderrTail = '';
  private exitReason: string | null = null;
  private readyWaiter: { resolve(info: ReadyInfo): void; reject(error: Error): void } | null = null;

  constructor(spec: LaunchSpec, onStderr: (line: string) => void) {
    this.spec = spec;
    this.child = spawn(spec.command, spec.args, {
      env: spec.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(spec.identity ? { uid: spec.identity.uid, gid: spec.identity.gid } : {}),
    });
    this.child.stdin.on('error', () => {}); // a dead fork server surfaces through 'exit'
    createInterface({ input: this.child.stdout, crlfDelay: Infinity }).on('line', (line) => this.onLine(line));
    createInterface({ input: this.child.stderr, crlfDelay: Infinity }).on('line', (line) => {
      this.stderrTail = (this.stderrTail + line + '\n').slice(-STDERR_KEEP);
      onStderr(line);
    });
    this.exited = new Promise((resolve) => {
      const finish = (reason: string): void => {
        if (this.exitReason !== null) return;
        this.exitReason = reason;
        this.failAll(reason);
        resolve(reason);
      };
      this.child.on('error', (error) => finish(`could not start ${spec.command}: ${error.message}`));
      this.child.on('exit', (code, signal) => finish(`fork server exited (${signal ?? `exit code ${code}`})`));
    });
  }

  /** Resolves once the fork server has imported its modules and compiled its filters. */
  waitReady(timeoutMs: number): Promise<ReadyInfo> {
    if (this.ready) return Promise.resolve(this.ready);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.readyWaiter = null;
        reject(new Error(`fork server not ready after ${timeoutMs} ms${this.describeStderr()}`));
      }, timeoutMs);
      this.readyWaiter = {
        resolve: (info) => (clearTimeout(timer), resolve(info)),
        reject: (error) => (clearTimeout(timer), reject(error)),
      };
    });
  }

  get alive(): boolean {
    return this.exitReason === null;
  }

  run(run: ForkServerRun): { id: string; reply: Promise<ForkServerReply> } {
    const id = String(++this.nextId);
    this.runs++;
    const reply = this.request<ForkServerReply>({ op: 'run', id, ...run });
    return { id, reply };
  }

  probe(limits: ResolvedLimits): Promise<ProbeReport> {
    return this.request<ProbeReport>({ op: 'probe', id: `probe-${++this.nextId}`, limits });
  }

  cancel(id: string): void {
    this.send({ op: 'cancel', id });
  }

  /** Resolves once the session's process is gone (after the running execution, if any). */
  async closeSession(sessionId: string): Promise<void> {
    await this.request({ op: 'close_session', id: `close-${++this.nextId}`, sessionId });
  }

  /** Ends the fork server (SIGKILL: its children die with it through PDEATHSIG / bwrap). */
  async kill(): Promise<void> {
    if (this.alive) this.child.kill('SIGKILL');
    await this.exited;
  }

  private request<T>(message: Record<string, unknown> & { id: string }): Promise<T> {
    if (!this.alive) return Promise.resolve(this.deadReply(this.exitReason ?? 'fork server is gone') as T);
    return new Promise<T>((resolve) => {
      this.pending.set(message.id, { resolve: resolve as (reply: unknown) => void });
      this.send(message);
    });
  }

  private send(message: Record<string, unknown>): void {
    if (this.alive && this.child.stdin.writable) this.child.stdin.write(JSON.stringify(message) + '\n');
  }

  private onLine(line: string): void {
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(line) as Record<string, unknown>;
    } catch {
      this.protocolFault(`unreadable line from fork server: ${line.slice(0, 200)}`);
      return;
    }
    if (message['type'] === 'ready') {
      this.ready = message as unknown as ReadyInfo;
      this.readyWaiter?.resolve(this.ready);
      this.readyWaiter = null;
      return;
    }
    const id = typeof message['id'] === 'string' ? message['id'] : undefined;
    const pending = id === undefined ? undefined : this.pending.get(id);
    if (!pending || id === undefined) {
      this.protocolFault(`unexpected message from fork server: ${line.slice(0, 200)}`);
      return;
    }
    this.pending.delete(id);
    pending.resolve(message);
  }

  private protocolFault(reason: string): void {
    this.failAll(reason);
    this.child.kill('SIGKILL');
  }

  private failAll(reason: string): void {
    this.readyWaiter?.reject(new Error(`${reason}${this.describeStderr()}`));
    this.readyWaiter = null;
    for (const [id, pending] of this.pending) {
      this.pending.delete(id);
      pending.resolve(this.deadReply(reason));
    }
  }

  private deadReply(reason: string): ForkServerReply {
    return {
      status: 'sandbox_error',
      stdout: '',
      stderr: `[sandbox] ${reason}${this.describeStderr()}\n`,
      exitCode: null,
      wallMs: 0,
      cpuMs: 0,
      truncated: false,
      sessionEnded: true,
    };
  }

  private describeStderr(): string {
    const tail = this.stderrTail.trim();
    return tail ? `; stderr: ${tail.slice(-1000)}` : '';
  }
}

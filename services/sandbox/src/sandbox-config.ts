import { z } from 'zod';
import { parseOrThrow } from '@rft/contracts';

/** `require`: refuse to start without the layer; `auto`: use it when the kernel allows; `off`: never. */
export const LayerMode = z.enum(['require', 'auto', 'off']);
export type LayerMode = z.infer<typeof LayerMode>;

const positiveInt = z.number().int().positive();

/** What one authenticated caller may do; set per token in the service's configuration, never by a request. */
export const CallerPolicy = z.object({
  /** Name in logs and metrics, e.g. `rollout-worker`, `grader`. */
  caller: z.string().min(1).max(100),
  /** May lift the fork/exec ban for its executions (code tests). @defaultValue false */
  allowSubprocesses: z.boolean().default(false),
});
export type CallerPolicy = z.infer<typeof CallerPolicy>;

/**
 * Bearer token -> caller. A key is the token itself (at least 16 characters) or, so the service
 * need not hold the secret, `sha256:<64 hex digits>` of it. Problems are reported by the caller's
 * position and name, never by the token.
 */
export const CallerTokens = z.record(z.string(), z.unknown()).transform((tokens, ctx) => {
  const out: Record<string, CallerPolicy> = {};
  const entries = Object.entries(tokens);
  if (entries.length === 0) ctx.addIssue({ code: 'custom', message: 'at least one caller token is required (SANDBOX_TOKENS)' });
  entries.forEach(([token, value], index) => {
    const policy = CallerPolicy.safeParse(value);
    const where = `caller #${index + 1}${policy.success ? ` (${policy.data.caller})` : ''}`;
    if (!policy.success) {
      ctx.addIssue({
        code: 'custom',
        message: `${where}: ${policy.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      });
    } else if (token.startsWith('sha256:') ? !/^sha256:[0-9a-f]{64}$/.test(token) : token.length < 16) {
      ctx.addIssue({ code: 'custom', message: `${where}: a token must be at least 16 characters, or sha256:<64 lowercase hex digits>` });
    } else {
      out[token] = policy.data;
    }
  });
  return out;
});

export const SandboxConfigSchema = z.object({
  /** Who may call the service: every route but /healthz and /metrics needs `Authorization: Bearer <token>`. */
  callers: CallerTokens,
  host: z.string().default('127.0.0.1'),
  /** 0 picks a free port (tests). */
  port: z.number().int().min(0).max(65_535).default(8090),
  /** The interpreter snippets run in: Debian's, with python3-numpy and python3-sympy. */
  pythonPath: z.string().default('/usr/bin/python3'),
  /** Added to sys.path of the fork servers (they start with -I -S: no site, no user paths). */
  extraSysPath: z.array(z.string()).default(['/usr/lib/python3/dist-packages']),
  /** Directories snippets may read (Landlock) and that bubblewrap binds read-only. */
  readOnlyPaths: z.array(z.string()).default(['/usr', '/etc', '/lib', '/lib64', '/bin', '/sbin']),
  /** Warm fork servers; one per core is the usual optimum. */
  poolSize: positiveInt.max(256).default(2),
  /**
   * Extra fork servers that import neither numpy nor sympy: forking a bare interpreter costs
   * about half the CPU of a warm one, so stateless snippets whose text names neither run there
   * (waiting for one rather than taking a warm server while no more such snippets wait than
   * there are lean servers). A lean fork server holds ~14 MiB. @defaultValue poolSize
   */
  leanPoolSize: z.number().int().min(0).max(64).optional(),
  /** Requests waiting for a worker beyond this answer `busy` at once. */
  maxQueue: z.number().int().min(0).default(256),
  /** A queued request that waited this long answers `busy` (it never ran). */
  queueTimeoutMs: positiveInt.default(30_000),
  /** A fork server is replaced after this many executions or this much RSS growth. */
  recycleAfterRuns: positiveInt.default(5_000),
  recycleRssGrowthMb: positiveInt.default(256),
  /** Per-request defaults, used when a request does not set the limit. */
  defaults: z
    .object({
      timeoutMs: positiveInt.default(10_000),
      memoryMb: positiveInt.default(1024),
      maxOutputBytes: positiveInt.default(16 * 1024),
    })
    .prefault({}),
  /** Server-side maxima: a request asking for more is rejected (400) naming the field. */
  maxima: z
    .object({
      timeoutMs: positiveInt.default(120_000),
      cpuSeconds: z.number().positive().default(121),
      memoryMb: positiveInt.default(4096),
      maxOutputBytes: positiveInt.default(8 * 1024 * 1024),
    })
    .prefault({}),
  /** Smallest memory limit accepted: the forked child inherits the warm parent's address space. */
  minMemoryMb: positiveInt.default(384),
  /** Output past this many bytes on one stream kills the run (`output_limit`). */
  captureCapBytes: positiveInt.default(1024 * 1024),
  fileSizeMb: positiveInt.default(16),
  openFiles: positiveInt.default(64),
  processes: positiveInt.default(64),
  /** Size of each fork server's private tmpfs (bubblewrap only). */
  workDirMb: positiveInt.default(128),
  layers: z
    .object({
      seccomp: LayerMode.default('require'),
      landlock: LayerMode.default('auto'),
      bwrap: LayerMode.default('auto'),
    })
    .prefault({}),
  /** Uid/gid snippets run as when the service is root; slot i uses base + i when perSlotUid. */
  sandboxUid: positiveInt.default(10_001),
  perSlotUid: z.boolean().default(true),
  /**
   * When the service is not root it cannot drop to another uid: fork servers then share the
   * service's uid. Allowed only when set (a pod holding nothing but this service).
   */
  allowSameUid: z.boolean().default(false),
  sessions: z
    .object({
      idleTtlMs: positiveInt.default(300_000),
      /** Sessions per fork server (LRU-evicted past it); 256 x 2 fork servers = 512 trajectories in flight. */
      maxPerWorker: positiveInt.default(256),
      /** CPU seconds one session may use over its whole life. */
      cpuSeconds: positiveInt.default(3_600),
    })
    .prefault({}),
  /**
   * Keep children per fork server forked and confined ahead of need (with the last request's
   * limits), so a request only hands one the code. @defaultValue true
   */
  preforkChildren: z.boolean().default(true),
  /**
   * How many such spare children each fork server keeps: with two, a request arriving right
   * after the previous reply gets one that finished confining itself meanwhile. @defaultValue 2
   */
  spareChildren: z.number().int().min(1).max(8).default(2),
  /** Import numpy and sympy in the fork server before serving. */
  warm: z.boolean().default(true),
  /**
   * Collapse each fork server's warmed heap into 2 MiB pages before it forks (Linux 6.1+,
   * best effort): a fork and a child's exit then handle one page-table entry per 2 MiB instead
   * of 512 (a warm trivial run: 4.7 -> 4.2 ms of CPU). @defaultValue true
   */
  hugePages: z.boolean().default(true),
  /** Parent of the fresh runtime dir holding fork-server code and work dirs (default: the OS temp dir). */
  runtimeDir: z.string().optional(),
});
export type SandboxConfig = Omit<z.infer<typeof SandboxConfigSchema>, 'leanPoolSize'> & { leanPoolSize: number };
export type SandboxConfigInput = z.input<typeof SandboxConfigSchema>;

export function parseSandboxConfig(input: SandboxConfigInput): SandboxConfig {
  const config = parseOrThrow(SandboxConfigSchema, input, 'sandbox config');
  return { ...config, leanPoolSize: config.leanPoolSize ?? config.poolSize };
}

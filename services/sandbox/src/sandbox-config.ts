import { z } from 'zod';
import { parseOrThrow } from '@rft/contracts';

/** `require`: refuse to start without the layer; `auto`: use it when the kernel allows; `off`: never. */
export const LayerMode = z.enum(['require', 'auto', 'off']);
export type LayerMode = z.infer<typeof LayerMode>;

const positiveInt = z.number().int().positive();

export const SandboxConfigSchema = z.object({
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
      maxPerWorker: positiveInt.default(16),
      /** CPU seconds one session may use over its whole life. */
      cpuSeconds: positiveInt.default(3_600),
    })
    .prefault({}),
  /** Import numpy and sympy in the fork server before serving. */
  warm: z.boolean().default(true),
  /** Parent of the fresh runtime dir holding fork-server code and work dirs (default: the OS temp dir). */
  runtimeDir: z.string().optional(),
});
export type SandboxConfig = z.infer<typeof SandboxConfigSchema>;
export type SandboxConfigInput = z.input<typeof SandboxConfigSchema>;

export function parseSandboxConfig(input: SandboxConfigInput = {}): SandboxConfig {
  return parseOrThrow(SandboxConfigSchema, input, 'sandbox config');
}

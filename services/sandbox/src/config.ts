import { envOptionalNumber, envOptionalStrictBoolean, envUnsetIfEmpty, parseEnv } from '@rft/config';
import { z } from 'zod';
import { LayerMode, parseSandboxConfig, type SandboxConfig, type SandboxConfigInput } from './sandbox-config.ts';

const optionalString = envUnsetIfEmpty(z.string().optional());
const optionalLayer = envUnsetIfEmpty(LayerMode.optional());

/** `{"<token>": {"caller": "grader", "allowSubprocesses": true}, ...}`; parsed here, checked by the config schema. */
const tokensJson = z.string().transform((text, ctx) => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    ctx.addIssue({ code: 'custom', message: 'expected JSON: {"<token>": {"caller": "<name>", "allowSubprocesses": false}}' });
    return z.NEVER;
  }
});

const SandboxEnv = z.object({
  SANDBOX_TOKENS: envUnsetIfEmpty(tokensJson.optional()),
  SANDBOX_HOST: optionalString,
  SANDBOX_PORT: envOptionalNumber,
  SANDBOX_PYTHON: optionalString,
  SANDBOX_POOL_SIZE: envOptionalNumber,
  SANDBOX_LEAN_POOL_SIZE: envOptionalNumber,
  SANDBOX_HUGE_PAGES: envOptionalStrictBoolean,
  SANDBOX_MAX_QUEUE: envOptionalNumber,
  SANDBOX_QUEUE_TIMEOUT_MS: envOptionalNumber,
  SANDBOX_RECYCLE_AFTER_RUNS: envOptionalNumber,
  SANDBOX_RECYCLE_RSS_GROWTH_MB: envOptionalNumber,
  SANDBOX_DEFAULT_TIMEOUT_MS: envOptionalNumber,
  SANDBOX_DEFAULT_MEMORY_MB: envOptionalNumber,
  SANDBOX_DEFAULT_MAX_OUTPUT_BYTES: envOptionalNumber,
  SANDBOX_MAX_TIMEOUT_MS: envOptionalNumber,
  SANDBOX_MAX_CPU_SECONDS: envOptionalNumber,
  SANDBOX_MAX_MEMORY_MB: envOptionalNumber,
  SANDBOX_MAX_OUTPUT_BYTES: envOptionalNumber,
  SANDBOX_CAPTURE_CAP_BYTES: envOptionalNumber,
  SANDBOX_FILE_SIZE_MB: envOptionalNumber,
  SANDBOX_OPEN_FILES: envOptionalNumber,
  SANDBOX_PROCESSES: envOptionalNumber,
  SANDBOX_WORK_DIR_MB: envOptionalNumber,
  SANDBOX_LAYER_SECCOMP: optionalLayer,
  SANDBOX_LAYER_LANDLOCK: optionalLayer,
  SANDBOX_LAYER_BWRAP: optionalLayer,
  SANDBOX_UID: envOptionalNumber,
  SANDBOX_PER_SLOT_UID: envOptionalStrictBoolean,
  SANDBOX_ALLOW_SAME_UID: envOptionalStrictBoolean,
  SANDBOX_SESSION_IDLE_TTL_MS: envOptionalNumber,
  SANDBOX_SESSIONS_PER_WORKER: envOptionalNumber,
  SANDBOX_RUNTIME_DIR: optionalString,
});

/**
 * Maps SANDBOX_* environment variables onto the config; called once, from main.ts. Each variable's
 * syntax is checked here (naming the variable), its range by the config schema (naming the field).
 */
export function sandboxConfigFromEnv(env: NodeJS.ProcessEnv): SandboxConfig {
  const e = parseEnv(SandboxEnv, env);
  const input = {
    callers: e.SANDBOX_TOKENS,
    host: e.SANDBOX_HOST,
    port: e.SANDBOX_PORT,
    pythonPath: e.SANDBOX_PYTHON,
    poolSize: e.SANDBOX_POOL_SIZE,
    leanPoolSize: e.SANDBOX_LEAN_POOL_SIZE,
    hugePages: e.SANDBOX_HUGE_PAGES,
    maxQueue: e.SANDBOX_MAX_QUEUE,
    queueTimeoutMs: e.SANDBOX_QUEUE_TIMEOUT_MS,
    recycleAfterRuns: e.SANDBOX_RECYCLE_AFTER_RUNS,
    recycleRssGrowthMb: e.SANDBOX_RECYCLE_RSS_GROWTH_MB,
    defaults: {
      timeoutMs: e.SANDBOX_DEFAULT_TIMEOUT_MS,
      memoryMb: e.SANDBOX_DEFAULT_MEMORY_MB,
      maxOutputBytes: e.SANDBOX_DEFAULT_MAX_OUTPUT_BYTES,
    },
    maxima: {
      timeoutMs: e.SANDBOX_MAX_TIMEOUT_MS,
      cpuSeconds: e.SANDBOX_MAX_CPU_SECONDS,
      memoryMb: e.SANDBOX_MAX_MEMORY_MB,
      maxOutputBytes: e.SANDBOX_MAX_OUTPUT_BYTES,
    },
    captureCapBytes: e.SANDBOX_CAPTURE_CAP_BYTES,
    fileSizeMb: e.SANDBOX_FILE_SIZE_MB,
    openFiles: e.SANDBOX_OPEN_FILES,
    processes: e.SANDBOX_PROCESSES,
    workDirMb: e.SANDBOX_WORK_DIR_MB,
    layers: { seccomp: e.SANDBOX_LAYER_SECCOMP, landlock: e.SANDBOX_LAYER_LANDLOCK, bwrap: e.SANDBOX_LAYER_BWRAP },
    sandboxUid: e.SANDBOX_UID,
    perSlotUid: e.SANDBOX_PER_SLOT_UID,
    allowSameUid: e.SANDBOX_ALLOW_SAME_UID,
    sessions: { idleTtlMs: e.SANDBOX_SESSION_IDLE_TTL_MS, maxPerWorker: e.SANDBOX_SESSIONS_PER_WORKER },
    runtimeDir: e.SANDBOX_RUNTIME_DIR,
  };
  // Unset fields are dropped so the schema's defaults apply.
  return parseSandboxConfig(JSON.parse(JSON.stringify(input)) as SandboxConfigInput);
}

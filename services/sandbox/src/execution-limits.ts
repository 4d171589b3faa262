import { InputError, type ExecutionLimits } from '@rft/contracts';
import type { SandboxConfig } from './sandbox-config.ts';

/** Every limit a fork server applies to one execution (sent to it as JSON). */
export interface ResolvedLimits {
  timeoutMs: number;
  cpuSeconds: number;
  memoryMb: number;
  maxOutputBytes: number;
  captureCapBytes: number;
  fileSizeMb: number;
  openFiles: number;
  processes: number;
}

/**
 * Fills unset limits from the server defaults and rejects limits above the server maxima
 * (InputError naming the field). CPU defaults to the wall clock rounded up plus one second.
 */
export function resolveLimits(requested: ExecutionLimits | undefined, config: SandboxConfig): ResolvedLimits {
  const problems: string[] = [];
  const pick = (field: keyof ExecutionLimits, fallback: number, max: number, min = 0): number => {
    const value = requested?.[field];
    if (value === undefined) return fallback;
    if (value > max) problems.push(`limits.${field}: ${value} is above the server maximum ${max}`);
    if (value < min) problems.push(`limits.${field}: ${value} is below the server minimum ${min}`);
    return value;
  };
  const timeoutMs = pick('timeoutMs', config.defaults.timeoutMs, config.maxima.timeoutMs);
  const cpuDefault = Math.min(Math.ceil(timeoutMs / 1000) + 1, config.maxima.cpuSeconds);
  const cpuSeconds = pick('cpuSeconds', cpuDefault, config.maxima.cpuSeconds);
  const memoryMb = pick('memoryMb', config.defaults.memoryMb, config.maxima.memoryMb, config.minMemoryMb);
  const maxOutputBytes = pick('maxOutputBytes', config.defaults.maxOutputBytes, config.maxima.maxOutputBytes);
  if (problems.length > 0) throw new InputError(problems.join('\n'), problems);
  return {
    timeoutMs,
    cpuSeconds,
    memoryMb,
    maxOutputBytes,
    captureCapBytes: Math.max(config.captureCapBytes, maxOutputBytes),
    fileSizeMb: config.fileSizeMb,
    openFiles: config.openFiles,
    processes: config.processes,
  };
}

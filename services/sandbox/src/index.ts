export { createSandboxService, type SandboxService, type SandboxServiceDeps } from './service.ts';
export {
  LayerMode,
  SandboxConfigSchema,
  parseSandboxConfig,
  type SandboxConfig,
  type SandboxConfigInput,
} from './sandbox-config.ts';
export { sandboxConfigFromEnv } from './config.ts';
export { resolveLimits, type ResolvedLimits } from './execution-limits.ts';
export type { IsolationReport, LayerReport } from './isolation-report.ts';
export { SandboxStartError } from './worker-pool.ts';
export { createSandboxMetrics } from './sandbox-metrics.ts';

export { createSandboxService, type SandboxService, type SandboxServiceDeps } from './service.ts';
export {
  LayerMode,
  SandboxConfigSchema,
  parseSandboxConfig,
  sandboxConfigFromEnv,
  type SandboxConfig,
  type SandboxConfigInput,
} from './sandbox-config.ts';
export { resolveLimits, type ResolvedLimits } from './execution-limits.ts';
export type { IsolationReport, LayerReport } from './isolation-report.ts';
export { SandboxStartError } from './worker-pool.ts';

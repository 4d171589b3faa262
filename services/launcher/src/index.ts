export { createLauncher, type Launcher, type LauncherDeps, type LaunchRequest } from './launcher.ts';
export { TrainingProfile, PAPER_PROFILE, parseProfile, type TrainingProfileInput } from './training-profile.ts';
export {
  batchGeometry,
  buildDeepSpeedConfig,
  validateDeepSpeedConfig,
  type BatchGeometry,
  type DeepSpeedConfig,
} from './deepspeed-config.ts';
export { planLaunch, trainingSchedule, buildTrainingArgs, type LaunchPlan, type TrainingSchedule } from './launch-plan.ts';
export {
  createMemoryRunStore,
  canTransition,
  isTerminal,
  RunTransitionError,
  type RunStore,
  type TrainingRun,
  type RunState,
  type RunStatus,
  type BackendKind,
} from './run-store.ts';
export { SubmissionRejectedError, type LaunchBackend, type Submission, type StatusReport } from './backends/launch-backend.ts';
export {
  createSlurmBackend,
  renderSbatchScript,
  mapSlurmState,
  runCommand,
  type SlurmBackendOptions,
  type CommandRunner,
} from './backends/slurm.ts';
export { createKubernetesBackend, statusFromConditions, type KubernetesBackendOptions } from './backends/kubernetes.ts';
export { buildPyTorchJob, jobName, type PyTorchJobOptions } from './backends/pytorchjob-manifest.ts';
export { createBundleBackend, bundlePrefix, type BundleBackendOptions } from './backends/bundle.ts';
export { PREFLIGHT_PY } from './preflight-script.ts';
export { createLauncherService, type LauncherService, type LauncherServiceDeps } from './service.ts';
export { createPostgresRunStore, toDbStatus, fromDbStatus, type PostgresRunStoreOptions } from './postgres-run-store.ts';
export { backendsFromConfig } from './backends/from-config.ts';
export { validatePyTorchJob, findPyTorchJobCrd, crdJsonSchema, type PyTorchJobValidation } from './backends/pytorchjob-validation.ts';

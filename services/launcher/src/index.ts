export { createLauncher, type Launcher, type LauncherDeps, type LaunchRequest, type LaunchBackends } from './launcher.ts';
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
  SubmissionRejectedError,
  type BackendRunStatus,
  type LaunchBackend,
  type Submission,
  type StatusReport,
} from './backends/launch-backend.ts';
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
export { cancelRun, launchRun, pollRuns, refreshRun, type RunJobDeps } from './run-jobs.ts';
export { createLauncherService, type LauncherService, type LauncherServiceDeps, type LauncherServiceSettings } from './service.ts';
export { launcherConfig, type LauncherConfig } from './config.ts';
export { backendsFromConfig } from './backends/from-config.ts';
export { validatePyTorchJob, findPyTorchJobCrd, crdJsonSchema, type PyTorchJobValidation } from './backends/pytorchjob-validation.ts';
export { registerLauncherMetrics } from './launcher-metrics.ts';
export { serveModelStep, type ServeJobDeps, type ServeJobSettings, type ServeOutcome } from './serve/serve-model.ts';
export { ServeStartRejectedError, type ServeDriver, type ServeState, type ServeTarget } from './serve/serve-driver.ts';
export { createLocalServeDriver, localServeDir, stopLocalServe, type LocalServeOptions } from './serve/local-serve.ts';
export { createExternalServeDriver } from './serve/external-serve.ts';
export { createSlurmServeDriver, renderServeSbatch, serveJobName, type SlurmServeOptions } from './serve/slurm-serve.ts';
export { createKubernetesServeDriver } from './serve/kubernetes-serve.ts';
export { buildServeManifests, validateServeManifests, type KubernetesServeOptions } from './serve/kubernetes-serve-manifest.ts';
export { trainedBehaviour, trainsToolUse, type TrainedBehaviour } from './serve/trained-behaviour.ts';
export { probeModels, type ProbeResult } from './serve/probe-endpoint.ts';
export { serveDriversFromConfig } from './serve/serve-drivers-from-config.ts';

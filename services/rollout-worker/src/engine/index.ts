/** Public API of the rollout engine (the START Hint-infer tool loop). */
export {
  createRolloutEngine,
  DEFAULT_ENGINE_OPTIONS,
  type EngineLogger,
  type EngineOptions,
  type RolloutEngine,
  type RolloutEngineDeps,
} from './rollout-engine.ts';
export type { SampleInput, SampleObserver, LoopOptions } from './rollout-loop.ts';
export { RetryLaterError, InferenceError, type InferenceFailureKind } from './engine-errors.ts';
export { createSubprocessPythonRunner, type SubprocessPythonRunnerOptions } from './subprocess-python-runner.ts';
export {
  createChatTemplate,
  loadTokenizerConfig,
  resolveChatTemplate,
  neutralizeControlText,
  DEFAULT_TOKENIZER_CONFIG_PATH,
  type ChatMessage,
  type ChatTemplate,
  type ChatTemplateSource,
  type TokenizerConfig,
} from './chat-template.ts';
export {
  loadHintLibrary,
  validateHintLibrary,
  DEFAULT_HINT_LIBRARY_PATH,
  HINT_PURPOSES,
  type Hint,
  type HintLibrary,
  type HintPurpose,
} from './hint-library.ts';
export type { Capacity, CapacityOptions } from './capacity-controller.ts';
export type { ReplicaState } from './replica-pool.ts';
export { findLoop, DEFAULT_REPETITION_GUARD, type RepetitionGuardOptions } from './repetition-guard.ts';
export { TOOL_SYSTEM_PROMPT, TOOL_USE_INSTRUCTIONS, buildMessages } from './prompt-format.ts';
export { createProfileTemplate } from './chat-template.ts';

export { createModelSim, type ModelSim, type ModelSimOptions, type ModelSimStats } from './service.ts';
export type { Fault, FaultConfig, FaultKind } from './fault-injection.ts';
export { demoQuestions, type DemoQuestion } from './demo-questions.ts';
export { parseProblem, QUESTION_TEMPLATES, type QuestionTemplate } from './question-bank.ts';
export { CHARS_PER_TOKEN, countTokens } from './prefix-cache.ts';
export type { ServerFlavour } from './completion-request.ts';
export { SIM_PROFILES, SIM_PROFILE_NAMES, type SimProfile } from './sim-profiles.ts';

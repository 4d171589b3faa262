export { createModelSim, type ModelSim, type ModelSimOptions, type ModelSimStats } from './service.ts';
export type { Fault, FaultConfig, FaultKind } from './fault-injection.ts';
export { demoQuestions, type DemoQuestion } from './demo-questions.ts';
export { parseProblem, QUESTION_TEMPLATES, type QuestionTemplate } from './question-bank.ts';
export { CHARS_PER_TOKEN, countTokens } from './prefix-cache.ts';
export type { ServerFlavour } from './completion-request.ts';
export { SIM_PROFILES, SIM_PROFILE_NAMES, type SimProfile } from './sim-profiles.ts';
export { BEHAVIOUR_CLASSES, REALISTIC_MIX, parseBehaviourMix, type BehaviourClass, type BehaviourMix } from './behaviour-mix.ts';
export { CODE_TEMPLATES, codeQuestions, parseCodeProblem, type CodeQuestionLine } from './code-questions.ts';

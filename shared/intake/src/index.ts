export * from './parse-spec.ts';
export * from './parse-questions.ts';
export * from './register-campaign.ts';
export { normaliseQuestionId, questionIdKey } from './question-rules.ts';

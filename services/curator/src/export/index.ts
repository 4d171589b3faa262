export * from './trl.ts';
export * from './axolotl.ts';
export * from './llama-factory.ts';

export * from './object-store.ts';
export * from './s3-object-store.ts';
export * from './jsonl-codec.ts';
export * from './keys.ts';
export * from './ordered-prefetch.ts';

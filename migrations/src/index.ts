export { migrateToLatest } from './migrate.ts';
export { describeSchema } from './schema-snapshot.ts';
export { SNAPSHOT_PATH } from './snapshot-path.ts';
export { MIGRATIONS } from './migrations/index.ts';

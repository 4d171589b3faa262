export * from './test-env.ts';
export * from './test-store.ts';
export * from './template-database.ts';
export * from './ledger-scan-oracles.ts';
export * from './chart-scan-oracle.ts';
export * from './ledger-fixture.ts';
export * from './crd-schemas.ts';

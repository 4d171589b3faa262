import { defineConfig } from 'vitest/config';

/**
 * One test run for the whole repo. Tests sit beside their code as `*.test.ts`.
 * Long suites (`*.chaos.test.ts`, `*.scale.test.ts`) run only through their own npm scripts.
 */
export default defineConfig({
  test: {
    include: [
      'shared/*/src/**/*.test.ts',
      'services/*/src/**/*.test.ts',
      'migrations/src/**/*.test.ts',
      'infra/**/*.test.ts',
      'tests/**/*.test.ts',
      'scripts/**/*.test.ts',
    ],
    exclude: ['**/node_modules/**', '**/*.chaos.test.ts', '**/*.scale.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    globalSetup: ['shared/testing/src/global-setup.ts'],
  },
});

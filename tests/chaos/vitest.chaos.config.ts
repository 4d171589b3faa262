import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

/** The chaos suite alone (`npm run test:chaos`): long, so the default `npm test` excludes it. */
export default defineConfig({
  root: join(import.meta.dirname, '..', '..'),
  test: {
    include: ['tests/chaos/**/*.chaos.test.ts'],
    exclude: ['**/node_modules/**'],
    pool: 'forks',
    testTimeout: 3_600_000,
    hookTimeout: 180_000,
    globalSetup: ['shared/testing/src/global-setup.ts'],
  },
});

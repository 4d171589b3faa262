import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkDependencies, type Violation } from './dependency-rules.ts';
import { importedSpecifiers, loadWorkspace } from './workspace-imports.ts';

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

/** Writes a workspace: `files` maps a path to its text, or to an object written as JSON. */
function workspace(files: Record<string, string | object>): string {
  const root = mkdtempSync(join(tmpdir(), 'deps-check-'));
  roots.push(root);
  const all = { 'package.json': { name: 'root', private: true, workspaces: ['shared/*', 'services/*'] }, ...files };
  for (const [path, content] of Object.entries(all)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return root;
}

const pkg = (name: string, fields: object = {}) => ({ name, version: '0.1.0', exports: { '.': './src/index.ts' }, ...fields });
const bins: Record<string, string[]> = { vitest: ['vitest'] };
const check = (root: string): Violation[] => checkDependencies(loadWorkspace(root), { binariesOf: (name) => bins[name] ?? [] });
const messages = (violations: Violation[]) => violations.map((v) => `${v.rule}: ${v.message}`);

describe('dependency check', () => {
  it('passes a workspace whose manifests match its imports', () => {
    const root = workspace({
      'shared/db/package.json': pkg('@rft/db', { dependencies: { pg: '1' }, devDependencies: { vitest: '1', '@types/pg': '1' } }),
      'shared/db/src/index.ts': "import pg from 'pg';\nexport const p = pg;\n",
      'shared/db/src/db.test.ts': "import { it } from 'vitest';\nimport { p } from './index.ts';\nit('x', () => p);\n",
      'services/api/package.json': pkg('@x/api', { dependencies: { '@rft/db': '0.1.0' }, scripts: { test: 'vitest run' } }),
      'services/api/src/index.ts': "export { p } from '@rft/db';\n",
    });
    expect(check(root)).toEqual([]);
  });

  it('names an undeclared import, a devDependency used by code a service runs, and an unused dependency', () => {
    const root = workspace({
      'shared/intake/package.json': pkg('@x/intake', { dependencies: { zod: '1' }, devDependencies: { yaml: '1' } }),
      'shared/intake/src/index.ts': "import { parse } from 'yaml';\nimport type { Ajv } from 'ajv';\nexport { parse };\n",
    });
    expect(messages(check(root))).toEqual([
      'dev-only: shared/intake/src/index.ts imports yaml, which shared/intake/package.json lists only in devDependencies',
      'undeclared: shared/intake/src/index.ts imports ajv, which shared/intake/package.json does not declare',
      'unused: shared/intake/package.json declares zod, which nothing in the package uses',
    ]);
  });

  it('asks for a dependency only tests use to move to devDependencies', () => {
    const root = workspace({
      'shared/queue/package.json': pkg('@x/queue', { dependencies: { ioredis: '1' } }),
      'shared/queue/src/index.ts': 'export const x = 1;\n',
      'shared/queue/src/queue.test.ts': "import Redis from 'ioredis';\nexport const r = Redis;\n",
    });
    expect(messages(check(root))).toEqual([
      'unused: shared/queue/package.json lists ioredis in dependencies, but only tests use it: move it to devDependencies',
    ]);
  });

  it('refuses a service importing a service, but lets its tests use one as a test double', () => {
    const root = workspace({
      'services/sim/package.json': pkg('@x/sim'),
      'services/sim/src/index.ts': 'export const sim = 1;\n',
      'services/worker/package.json': pkg('@x/worker', { dependencies: { '@x/sim': '0.1.0' } }),
      'services/worker/src/index.ts': "export { sim } from '@x/sim';\n",
      'services/grader/package.json': pkg('@x/grader', { devDependencies: { '@x/sim': '0.1.0' } }),
      'services/grader/src/index.ts': 'export const g = 1;\n',
      'services/grader/src/grader.test.ts': "import { sim } from '@x/sim';\nexport const s = sim;\n",
    });
    expect(messages(check(root))).toEqual(['service-imports-service: services/worker/src/index.ts (@x/worker) imports the service @x/sim']);
  });

  it('refuses a query builder outside the database package, and lets tests set up state with it', () => {
    const root = workspace({
      'shared/db/package.json': pkg('@rft/db', { dependencies: { kysely: '1' } }),
      'shared/db/src/index.ts': "export { sql } from 'kysely';\n",
      'services/api/package.json': pkg('@x/api', { dependencies: { kysely: '1' } }),
      'services/api/src/index.ts': "import { sql } from 'kysely';\nexport const ping = sql`SELECT 1`;\n",
      'services/api/src/api.test.ts': "import { sql } from 'kysely';\nexport const s = sql;\n",
    });
    expect(messages(check(root))).toEqual([
      'owned-library: services/api/src/index.ts imports kysely: database access goes through @rft/db',
    ]);
  });

  it('finds an import cycle between packages through code they run', () => {
    const root = workspace({
      'shared/a/package.json': pkg('@x/a', { dependencies: { '@x/b': '0.1.0' } }),
      'shared/a/src/index.ts': "export { b } from '@x/b';\nexport const a = 1;\n",
      'shared/b/package.json': pkg('@x/b', { dependencies: { '@x/a': '0.1.0' } }),
      'shared/b/src/index.ts': "import { a } from '@x/a';\nexport const b = a;\n",
    });
    expect(messages(check(root))).toEqual(['package-cycle: import cycle: @x/a -> @x/b -> @x/a']);
  });

  it('counts a binary run from a script and @types of an imported package as used', () => {
    const root = workspace({
      'shared/db/package.json': pkg('@rft/db', {
        dependencies: { pg: '1' },
        devDependencies: { vitest: '1', '@types/pg': '1', '@types/s3rver': '1' },
        scripts: { test: 'cd ../.. && vitest run shared/db/' },
      }),
      'shared/db/src/index.ts': "import pg from 'pg';\nexport const p = pg;\n",
    });
    expect(messages(check(root))).toEqual(['unused: shared/db/package.json declares @types/s3rver, which nothing in the package uses']);
  });
});

describe('importedSpecifiers', () => {
  it('reads every way a file can name a package, and no string that merely looks like an import', () => {
    const source = [
      "import a from 'static-a';",
      "import type { B } from '@scope/typed/sub';",
      "export * from 're-export';",
      "const c = await import('dynamic-c');",
      "const d = require('required-d');",
      'const bundled = createRequire(import.meta.url);',
      "const path = bundled.resolve('data-pkg/models/file.json');",
      "const e = import.meta.resolve('meta-e');",
      "const g = createRequire(import.meta.url).resolve('inline-g');",
      "const f = path.resolve('not-a-package');",
      'const text = "import x from \'in-a-string\'";',
    ].join('\n');
    expect(importedSpecifiers(source).sort()).toEqual(
      ['@scope/typed/sub', 'data-pkg/models/file.json', 'dynamic-c', 'inline-g', 'meta-e', 're-export', 'required-d', 'static-a'].sort(),
    );
  });
});

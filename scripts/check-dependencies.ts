// Checks that every package declares exactly what it imports, that no service imports another
// service, that workspace packages form no import cycle, and that only shared/db and migrations
// query the database. Prints one line per violation and exits 1 when there is any.
// Run as `npm run deps:check` (CI runs it before the tests).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { checkDependencies } from './lib/dependency-rules.ts';
import { loadWorkspace } from './lib/workspace-imports.ts';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');

/** Binaries an installed package provides, read from its manifest in the root node_modules. */
function binariesOf(packageName: string): string[] {
  const manifestPath = join(root, 'node_modules', packageName, 'package.json');
  if (!existsSync(manifestPath)) return [];
  const { name, bin } = JSON.parse(readFileSync(manifestPath, 'utf8')) as { name: string; bin?: string | Record<string, string> };
  if (typeof bin === 'string') return [name.split('/').at(-1) ?? name];
  return Object.keys(bin ?? {});
}

const packages = loadWorkspace(root);
const violations = checkDependencies(packages, { binariesOf });
for (const v of violations) console.log(`${v.rule}: ${v.message}`);
const imports = packages.reduce((n, p) => n + p.imports.length, 0);
console.log(`deps:check: ${violations.length} violations in ${packages.length} packages (${imports} imports)`);
process.exit(violations.length === 0 ? 0 : 1);

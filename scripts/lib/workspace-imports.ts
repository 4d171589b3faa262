import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, sep } from 'node:path';
import ts from 'typescript';

/** One npm workspace package (or the root package) with what it declares and what its files import. */
export interface WorkspacePackage {
  /** Directory relative to the repo root; `.` for the root package. */
  dir: string;
  name: string;
  dependencies: Set<string>;
  devDependencies: Set<string>;
  /** Text of the package's npm scripts, where a devDependency can be used as a binary. */
  scripts: string;
  imports: PackageImport[];
}

export interface PackageImport {
  /** File relative to the repo root. */
  file: string;
  /** Package name, `@scope/name` or `name`, without a subpath. */
  packageName: string;
  /**
   * True when the importing file is test, bench or fixture code, or belongs to a package nothing
   * imports or runs in production (the root, the integration tests, the local stack): such code may
   * use devDependencies, which production images do not install.
   */
  fromTestCode: boolean;
}

const SOURCE_FILE = /\.(ts|mts|cts|js|mjs|cjs)$/;
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'bench-results']);
const BUILTINS = new Set(builtinModules);

const TEST_DIRS = new Set(['bench', 'fixtures', 'testing', 'tests']);

/**
 * Tests, benches, and the support code only tests import: `*-fixture.ts`, `test-support.ts`, and
 * anything under a `bench/`, `fixtures/`, `testing/` or `tests/` directory (so all of `shared/testing`).
 */
export function isTestCode(file: string): boolean {
  const parts = file.split(sep).join('/').split('/');
  const base = parts.at(-1) ?? '';
  if (/\.(test|bench)\.[cm]?[jt]s$/.test(base) || /-fixture\.|^fake-|^test-support\./.test(base)) return true;
  return parts.slice(0, -1).some((dir) => TEST_DIRS.has(dir));
}

/** `@scope/name/sub` -> `@scope/name`, `name/sub` -> `name`; undefined for relative paths and builtins. */
export function packageOfSpecifier(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:')) return undefined;
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  if (!name || BUILTINS.has(name)) return undefined;
  return name;
}

/** `require.resolve('x')`, `import.meta.resolve('x')`, `createRequire(import.meta.url).resolve('x')`, or `r.resolve('x')` where `const r = createRequire(...)`. */
function resolvedSpecifiers(file: ts.SourceFile): string[] {
  const resolvers = new Set(['require', 'import.meta']);
  const specifiers: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer && ts.isCallExpression(node.initializer)) {
      if (node.initializer.expression.getText(file) === 'createRequire') resolvers.add(node.name.text);
    }
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === 'resolve') {
      const [first] = node.arguments;
      const target = node.expression.expression;
      const resolver =
        resolvers.has(target.getText(file)) ||
        (ts.isCallExpression(target) &&
          target.expression.getText(file) === 'createRequire' &&
          target.arguments[0]?.getText(file) === 'import.meta.url');
      if (first && ts.isStringLiteralLike(first) && resolver) specifiers.push(first.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return specifiers;
}

/**
 * Every module specifier a file uses: static imports, `export ... from`, `import type`, dynamic
 * `import()`, `require()`, and paths resolved with `require.resolve`, `import.meta.resolve` or a
 * `createRequire(...)` function (how a package's data files, such as a tokenizer, are found).
 */
export function importedSpecifiers(source: string): string[] {
  const specifiers = ts.preProcessFile(source, true, true).importedFiles.map((f) => f.fileName);
  // Parsing is the slow part, so only files that mention `.resolve(` are parsed.
  if (!source.includes('.resolve(')) return specifiers;
  return [...specifiers, ...resolvedSpecifiers(ts.createSourceFile('file.ts', source, ts.ScriptTarget.Latest, true))];
}

function workspaceDirs(root: string, patterns: string[]): string[] {
  const dirs: string[] = [];
  for (const pattern of patterns) {
    if (pattern.endsWith('/*')) {
      const base = pattern.slice(0, -2);
      if (!existsSync(join(root, base))) continue;
      for (const entry of readdirSync(join(root, base)).sort()) {
        if (existsSync(join(root, base, entry, 'package.json'))) dirs.push(join(base, entry));
      }
    } else if (existsSync(join(root, pattern, 'package.json'))) {
      dirs.push(pattern);
    }
  }
  return dirs;
}

function sourceFiles(root: string, dir: string, excluded: Set<string>): string[] {
  const out: string[] = [];
  const walk = (relDir: string): void => {
    for (const entry of readdirSync(join(root, relDir), { withFileTypes: true })) {
      const rel = relDir === '.' ? entry.name : join(relDir, entry.name);
      if (entry.isDirectory()) {
        if (SKIPPED_DIRS.has(entry.name) || entry.name.startsWith('.') || excluded.has(rel)) continue;
        walk(rel);
      } else if (SOURCE_FILE.test(entry.name) && !entry.name.endsWith('.d.ts')) {
        out.push(rel);
      }
    }
  };
  walk(dir);
  return out.sort();
}

interface Manifest {
  name?: string;
  workspaces?: string[];
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  scripts?: Record<string, string>;
  exports?: unknown;
  main?: string;
  bin?: unknown;
}

function readManifest(path: string): Manifest {
  return JSON.parse(readFileSync(path, 'utf8')) as Manifest;
}

/** The root package and every workspace, each with the imports of the files it owns. */
export function loadWorkspace(root: string): WorkspacePackage[] {
  const rootManifest = readManifest(join(root, 'package.json'));
  const dirs = workspaceDirs(root, rootManifest.workspaces ?? []);
  const packages: WorkspacePackage[] = [];
  for (const dir of ['.', ...dirs]) {
    const manifest = readManifest(join(root, dir, 'package.json'));
    // The root package owns every file that no workspace owns (scripts/, infra/ tests, vitest.config.ts).
    const excluded = dir === '.' ? new Set(dirs) : new Set<string>();
    // A package with no entry point is never imported or deployed: all of its code is tooling.
    const consumed = manifest.exports !== undefined || manifest.main !== undefined || manifest.bin !== undefined;
    const imports: PackageImport[] = [];
    for (const file of sourceFiles(root, dir, excluded)) {
      const fromTestCode = !consumed || isTestCode(file);
      for (const specifier of importedSpecifiers(readFileSync(join(root, file), 'utf8'))) {
        const packageName = packageOfSpecifier(specifier);
        if (packageName && packageName !== manifest.name) imports.push({ file, packageName, fromTestCode });
      }
    }
    packages.push({
      dir,
      name: manifest.name ?? dir,
      dependencies: new Set([...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.peerDependencies ?? {})]),
      devDependencies: new Set(Object.keys(manifest.devDependencies ?? {})),
      scripts: Object.values(manifest.scripts ?? {}).join('\n'),
      imports,
    });
  }
  return packages;
}

import type { WorkspacePackage } from './workspace-imports.ts';

/** One broken rule, printed as one line. */
export interface Violation {
  rule: 'undeclared' | 'dev-only' | 'unused' | 'service-imports-service' | 'package-cycle' | 'owned-library';
  message: string;
}

/** What the checks need to know beyond the manifests and imports. */
export interface RuleContext {
  /** Binaries a dependency installs, so a tool used only from npm scripts counts as used. */
  binariesOf: (packageName: string) => string[];
}

const isService = (pkg: WorkspacePackage): boolean => pkg.dir.startsWith('services/');

/** Every import names a package the importing package declares; code services run uses `dependencies` only. */
export function undeclaredImports(pkg: WorkspacePackage): Violation[] {
  const violations: Violation[] = [];
  const seen = new Set<string>();
  for (const { file, packageName, fromTestCode } of pkg.imports) {
    const key = `${file}\0${packageName}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (pkg.dependencies.has(packageName)) continue;
    if (pkg.devDependencies.has(packageName)) {
      if (fromTestCode) continue;
      violations.push({
        rule: 'dev-only',
        message: `${file} imports ${packageName}, which ${pkg.dir}/package.json lists only in devDependencies`,
      });
      continue;
    }
    violations.push({ rule: 'undeclared', message: `${file} imports ${packageName}, which ${pkg.dir}/package.json does not declare` });
  }
  return violations;
}

/** `@types/pg` is used when `pg` is; `@types/scope__name` when `@scope/name` is; `@types/node` always. */
function typedPackage(typesPackage: string): string {
  const base = typesPackage.slice('@types/'.length);
  return base.includes('__') ? `@${base.replace('__', '/')}` : base;
}

/** True when a script line runs `command` (at its start or after `&&`, `;`, `|` or `(`). */
function runsCommand(scripts: string, command: string): boolean {
  const escaped = command.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[\\s;&|(])${escaped}(\\s|$)`, 'm').test(scripts);
}

/** Every declared dependency is imported, run as a binary from a script, or supplies types for one that is. */
export function unusedDependencies(pkg: WorkspacePackage, ctx: RuleContext): Violation[] {
  const imported = new Set(pkg.imports.map((i) => i.packageName));
  const importedByRunCode = new Set(pkg.imports.filter((i) => !i.fromTestCode).map((i) => i.packageName));
  const usedByScript = (dep: string): boolean => ctx.binariesOf(dep).some((bin) => runsCommand(pkg.scripts, bin));
  const isUsed = (dep: string): boolean => {
    if (dep.startsWith('@types/')) {
      const typed = typedPackage(dep);
      return typed === 'node' || imported.has(typed);
    }
    return imported.has(dep) || usedByScript(dep);
  };
  const violations: Violation[] = [];
  for (const dep of [...pkg.dependencies, ...pkg.devDependencies].sort()) {
    if (!isUsed(dep)) {
      violations.push({ rule: 'unused', message: `${pkg.dir}/package.json declares ${dep}, which nothing in the package uses` });
    } else if (pkg.dependencies.has(dep) && pkg.devDependencies.has(dep)) {
      violations.push({ rule: 'unused', message: `${pkg.dir}/package.json declares ${dep} twice (dependencies and devDependencies)` });
    } else if (pkg.dependencies.has(dep) && !dep.startsWith('@types/') && !importedByRunCode.has(dep) && !usedByScript(dep)) {
      violations.push({
        rule: 'unused',
        message: `${pkg.dir}/package.json lists ${dep} in dependencies, but only tests use it: move it to devDependencies`,
      });
    }
  }
  return violations;
}

/** Code a service runs never imports another service: what two services share belongs in shared/. */
export function serviceImports(packages: WorkspacePackage[]): Violation[] {
  const services = new Set(packages.filter(isService).map((p) => p.name));
  const violations: Violation[] = [];
  for (const pkg of packages.filter(isService)) {
    const seen = new Set<string>();
    for (const { file, packageName, fromTestCode } of pkg.imports) {
      if (fromTestCode || !services.has(packageName) || seen.has(`${file}\0${packageName}`)) continue;
      seen.add(`${file}\0${packageName}`);
      violations.push({ rule: 'service-imports-service', message: `${file} (${pkg.name}) imports the service ${packageName}` });
    }
  }
  return violations;
}

/**
 * No cycle among workspace packages through the code they run (test code aside: `@rft/testing` may
 * build on `@rft/db` while `@rft/db`'s tests use `@rft/testing`). Reports each cycle once.
 */
export function packageCycles(packages: WorkspacePackage[]): Violation[] {
  const names = new Set(packages.map((p) => p.name));
  const edges = new Map<string, string[]>();
  for (const pkg of packages) {
    const targets = new Set(pkg.imports.filter((i) => !i.fromTestCode && names.has(i.packageName)).map((i) => i.packageName));
    edges.set(pkg.name, [...targets].sort());
  }
  const violations: Violation[] = [];
  const reported = new Set<string>();
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): void => {
    state.set(name, 'open');
    stack.push(name);
    for (const next of edges.get(name) ?? []) {
      if (state.get(next) === 'open') {
        const cycle = stack.slice(stack.indexOf(next));
        const key = [...cycle].sort().join(',');
        if (!reported.has(key)) {
          reported.add(key);
          violations.push({ rule: 'package-cycle', message: `import cycle: ${[...cycle, next].join(' -> ')}` });
        }
      } else if (!state.has(next)) {
        visit(next);
      }
    }
    stack.pop();
    state.set(name, 'done');
  };
  for (const name of [...edges.keys()].sort()) if (!state.has(name)) visit(name);
  return violations;
}

/**
 * Libraries only their owning packages' code may use: the ledger is queried through `@rft/db`
 * (and changed by `@rft/migrations`), never with a query builder or driver of a service's own.
 * Tests may set up state with them directly.
 */
export const OWNED_LIBRARIES: Readonly<Record<string, { owners: readonly string[]; why: string }>> = {
  kysely: { owners: ['@rft/db', '@rft/migrations'], why: 'database access goes through @rft/db' },
  pg: { owners: ['@rft/db', '@rft/migrations'], why: 'database access goes through @rft/db' },
};

export function ownedLibraryImports(packages: WorkspacePackage[]): Violation[] {
  const violations: Violation[] = [];
  for (const pkg of packages) {
    const seen = new Set<string>();
    for (const { file, packageName, fromTestCode } of pkg.imports) {
      const owned = OWNED_LIBRARIES[packageName];
      if (!owned || fromTestCode || owned.owners.includes(pkg.name) || seen.has(`${file}\0${packageName}`)) continue;
      seen.add(`${file}\0${packageName}`);
      violations.push({ rule: 'owned-library', message: `${file} imports ${packageName}: ${owned.why}` });
    }
  }
  return violations;
}

/** All rules over the whole workspace, in a stable order. */
export function checkDependencies(packages: WorkspacePackage[], ctx: RuleContext): Violation[] {
  return [
    ...packages.flatMap((pkg) => undeclaredImports(pkg)),
    ...packages.flatMap((pkg) => unusedDependencies(pkg, ctx)),
    ...serviceImports(packages),
    ...ownedLibraryImports(packages),
    ...packageCycles(packages),
  ];
}

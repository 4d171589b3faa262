#!/usr/bin/env node
// `rft` from node_modules/.bin under any system Node: the CLI is TypeScript run by Node's type
// stripping (Node >= 24). On an older Node this re-executes itself with the Node 24 that the
// repository's `node` devDependency installs. Plain JavaScript on purpose: it must parse on Node 20.
import { spawn } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import module from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MIN_MAJOR = 24;
const here = dirname(realpathSync(fileURLToPath(import.meta.url)));
const entry = join(here, '..', 'src', 'main.ts');
const major = Number(process.versions.node.split('.')[0]);

/** The `node` package's binary: in the CLI's own node_modules or hoisted to the repository root. */
function projectNode() {
  for (let dir = here; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', 'node', 'bin', 'node');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

if (major >= MIN_MAJOR) {
  // Caches compiled code, and the type-stripped TypeScript, between runs (in the OS temp dir
  // unless NODE_COMPILE_CACHE says otherwise): most of a cold start is stripping types.
  module.enableCompileCache?.();
  await import(entry);
} else {
  const node = projectNode();
  if (!node) {
    process.stderr.write(
      `rft: needs Node ${MIN_MAJOR} or newer (this is ${process.version}) and found no node_modules/node; run npm ci in the repository\n`,
    );
    process.exit(1);
  }
  // This same file again, so the newer Node takes the branch above (with the compile cache).
  const child = spawn(node, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => {
    if (signal) process.kill(process.pid, signal);
    else process.exit(code ?? 1);
  });
}

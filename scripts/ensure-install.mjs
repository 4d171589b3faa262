// Runs before `npm test` and `npm run demo` on whatever Node the machine has (plain JavaScript, no
// TypeScript): installs the npm dependencies with `npm ci` when node_modules is absent or older than
// package-lock.json, so a fresh clone needs no third set-up command.
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const lock = join(root, 'package-lock.json');
// npm writes this hidden lockfile at the end of every install: its age says when node_modules was made.
const installed = join(root, 'node_modules', '.package-lock.json');

const reason = !existsSync(installed)
  ? 'node_modules is missing'
  : statSync(installed).mtimeMs < statSync(lock).mtimeMs
    ? 'package-lock.json is newer than node_modules'
    : null;
if (reason) {
  console.log(`[install] ${reason}: running npm ci`);
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
}

import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';

const CLI = join(import.meta.dirname, 'cli.ts');
const run = (url: string) =>
  promisify(execFile)(process.execPath, [CLI, 'up'], { env: { ...process.env, DATABASE_URL: url } }).then(
    () => ({ code: 0, stderr: '' }),
    (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
  );

test('a missing database is one clear line naming it and how to create it, with no stack trace', async () => {
  const admin = new URL(process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  admin.pathname = '/rft_no_such_database';
  const res = await run(admin.toString());
  expect(res.code).toBe(1);
  expect(res.stderr.trim()).toMatch(
    /^migrate: database "rft_no_such_database" does not exist on PostgreSQL at [^ ]+; create it \(createdb /,
  );
  expect(res.stderr).not.toMatch(/\n\s+at /);
});

test('a server that does not answer says so and how to start it', async () => {
  const res = await run('postgres://postgres@127.0.0.1:1/rft');
  expect([res.code, res.stderr.trim()]).toEqual([
    1,
    'migrate: cannot reach PostgreSQL at 127.0.0.1:1 (ECONNREFUSED); start it (npm run stack:up) or set DATABASE_URL',
  ]);
});

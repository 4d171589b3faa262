import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';

const DIR = join(import.meta.dirname, 'dashboard');
const FILES = {
  'index.html': 'text/html; charset=utf-8',
  'dashboard.js': 'text/javascript; charset=utf-8',
  'dashboard.css': 'text/css; charset=utf-8',
} as const;

/**
 * The campaign dashboard: static files (no build step) whose script calls the API with the token
 * from the URL fragment. The files carry no data, so they are served without auth; every API call
 * they make is authenticated.
 */
export function registerDashboard(app: FastifyInstance): void {
  const content = Object.fromEntries(Object.keys(FILES).map((name) => [name, readFileSync(join(DIR, name))])) as Record<
    keyof typeof FILES,
    Buffer
  >;
  const send = (name: keyof typeof FILES) => async (_req: unknown, reply: import('fastify').FastifyReply) =>
    reply
      .header('content-type', FILES[name])
      .header('cache-control', 'no-cache')
      .header('content-security-policy', "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'")
      .send(content[name]);
  app.get('/dashboard', send('index.html'));
  app.get('/dashboard/', send('index.html'));
  app.get('/dashboard/dashboard.js', send('dashboard.js'));
  app.get('/dashboard/dashboard.css', send('dashboard.css'));
}

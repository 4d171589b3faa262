import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';

const DIR = join(import.meta.dirname, 'dashboard');
/** uPlot, the chart library, served from this origin (the page loads nothing from elsewhere). */
const UPLOT_DIR = dirname(createRequire(import.meta.url).resolve('uplot'));
const FILES = {
  'index.html': 'text/html; charset=utf-8',
  'dashboard.js': 'text/javascript; charset=utf-8',
  'dashboard.css': 'text/css; charset=utf-8',
  'charts.js': 'text/javascript; charset=utf-8',
  'dataset-view.js': 'text/javascript; charset=utf-8',
  'pipeline-view.js': 'text/javascript; charset=utf-8',
  'vendor/uPlot.esm.js': 'text/javascript; charset=utf-8',
  'vendor/uPlot.min.css': 'text/css; charset=utf-8',
} as const;
const pathOf = (name: keyof typeof FILES) => (name.startsWith('vendor/') ? join(UPLOT_DIR, name.slice('vendor/'.length)) : join(DIR, name));

/**
 * The campaign dashboard: static files (no build step) whose script calls the API with the token
 * from the URL fragment. The files carry no data, so they are served without auth; every API call
 * they make is authenticated.
 */
export function registerDashboard(app: FastifyInstance): void {
  const content = Object.fromEntries(Object.keys(FILES).map((name) => [name, readFileSync(pathOf(name as keyof typeof FILES))])) as Record<
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
  for (const name of Object.keys(FILES) as Array<keyof typeof FILES>) if (name !== 'index.html') app.get(`/dashboard/${name}`, send(name));
}

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { SANDBOX_NODE_FLAGS } from '@rft/sandbox/node-flags';

const ROOT = join(import.meta.dirname, '..', '..');
// `any`: parsed YAML manifests are walked structurally; each access is checked by the assertions.
type Obj = Record<string, any>;
// Compose files use YAML merge keys (<<) for the shared service settings.
const compose = parse(readFileSync(join(import.meta.dirname, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Obj>;
  volumes: Record<string, unknown>;
};
const services = compose.services;
const RFT_SERVICES = ['api', 'scheduler', 'rollout-worker', 'grader', 'curator', 'launcher'];

describe('docker compose stack', () => {
  test('Redis keeps BullMQ safe: AOF on, noeviction', () => {
    const command = (services.redis!.command as string[]).join(' ');
    expect(command).toContain('--appendonly yes');
    expect(command).toContain('--appendfsync everysec');
    expect(command).toContain('--maxmemory-policy noeviction');
  });

  test('runs Postgres, MinIO and every service from the one image, each started by its main.ts', () => {
    for (const name of ['postgres', 'minio', 'minio-init', 'migrate', 'sandbox', 'model-sim', ...RFT_SERVICES])
      expect(services, name).toHaveProperty(name);
    // The sandbox and the model server listen on the container address, where the workers reach them.
    expect(services.sandbox!.environment.SANDBOX_HOST).toBe('0.0.0.0');
    expect(existsSync(join(ROOT, services.sandbox!.build.dockerfile))).toBe(true);
    expect(services.sandbox!.command).toEqual(['node', ...SANDBOX_NODE_FLAGS, 'services/sandbox/src/main.ts']);
    expect(services['model-sim']!.environment).toMatchObject({ HOST: '0.0.0.0', PORT: '8000' });
    // Each sandbox caller presents a token the sandbox knows.
    const callers = JSON.parse(services.sandbox!.environment.SANDBOX_TOKENS as string) as Record<string, { caller: string }>;
    for (const name of ['rollout-worker', 'grader']) expect(callers[services[name]!.environment.SANDBOX_TOKEN]?.caller, name).toBe(name);
    for (const name of RFT_SERVICES) {
      const s = services[name]!;
      expect(s.image, name).toBe('rft-orchestrator:local');
      expect(s.command, name).toEqual(['node', `services/${name}/src/main.ts`]);
      expect(s.environment.DATABASE_URL, name).toBe('postgres://rft:rft@postgres:5432/rft');
      expect(s.environment.REDIS_URL, name).toBe('redis://redis:6379');
    }
    expect(existsSync(join(ROOT, services.api!.build.dockerfile))).toBe(true);
    // Services that own their code in this repository must have an entry point.
    for (const name of ['api', 'scheduler']) expect(existsSync(join(ROOT, 'services', name, 'src', 'main.ts')), name).toBe(true);
  });

  test('dependencies name services that exist; volumes are declared', () => {
    for (const [name, s] of Object.entries(services)) {
      const deps = Array.isArray(s.depends_on) ? s.depends_on : Object.keys(s.depends_on ?? {});
      for (const dep of deps) expect(services, `${name} depends on ${dep}`).toHaveProperty(dep);
      for (const v of (s.volumes ?? []) as string[]) {
        const source = v.split(':')[0]!;
        if (!source.startsWith('.')) expect(compose.volumes, `${name} volume ${source}`).toHaveProperty(source);
        else expect(existsSync(join(import.meta.dirname, source)), `${name} mounts ${source}`).toBe(true);
      }
    }
    expect(services.api!.depends_on.migrate.condition).toBe('service_completed_successfully');
  });

  test('workers get a stop grace period long enough to drain', () => {
    const seconds = (v: string) => Number(/^(\d+)s$/.exec(v)?.[1]);
    expect(seconds(services['rollout-worker']!.stop_grace_period)).toBeGreaterThan(100);
    expect(services['rollout-worker']!.environment.INFERENCE_ENDPOINTS).toBe('http://model-sim:8000');
  });

  test('the API and the rollout workers share the inference endpoint allow-list', () => {
    expect(services.api!.environment.INFERENCE_ENDPOINT_ALLOWLIST).toBe('model-sim');
    expect(services['rollout-worker']!.environment.INFERENCE_ENDPOINT_ALLOWLIST).toBe('model-sim');
  });
});

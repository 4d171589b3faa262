import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, test } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { SANDBOX_NODE_FLAGS } from '@rft/sandbox/node-flags';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import { optionalCrdSchema } from '@rft/testing';

const K8S = import.meta.dirname;

// `any`: parsed YAML manifests are walked structurally; each access is checked by the assertions.
type Obj = Record<string, any>;

const kustomization = parse(readFileSync(join(K8S, 'kustomization.yaml'), 'utf8')) as { resources: string[]; components?: string[] };
const objects: Obj[] = kustomization.resources.flatMap((file) =>
  parseAllDocuments(readFileSync(join(K8S, file), 'utf8')).map((doc) => {
    if (doc.errors.length) throw new Error(`${file}: ${doc.errors[0]!.message}`);
    return { ...(doc.toJS() as Obj), __file: file };
  }),
);
/** The sandbox component and the KEDA CRD live outside these manifests; both are looked up beside the repo. */
const SANDBOX = join(K8S, 'sandbox');
const sandboxObjects: Obj[] = existsSync(join(SANDBOX, 'kustomization.yaml'))
  ? (parse(readFileSync(join(SANDBOX, 'kustomization.yaml'), 'utf8')) as { resources: string[] }).resources.flatMap((file) =>
      parseAllDocuments(readFileSync(join(SANDBOX, file), 'utf8')).map((doc) => ({ ...(doc.toJS() as Obj), __file: `sandbox/${file}` })),
    )
  : [];
const byKind = (kind: string) => objects.filter((o) => o.kind === kind);
const deployments = byKind('Deployment');
const podSpecs = [
  ...deployments.map((d) => [d.metadata.name, d.spec.template.spec] as const),
  ...byKind('Job').map((j) => [j.metadata.name, j.spec.template.spec] as const),
];

describe('kustomization', () => {
  test('lists only files that exist, each parsing to objects with apiVersion, kind and a DNS-1123 name', () => {
    expect(objects.length).toBeGreaterThan(10);
    for (const o of objects) {
      expect(o.apiVersion, o.__file).toMatch(/^[a-z0-9.]+(\/v\d\w*)?$|^v1$/);
      expect(o.kind, o.__file).toMatch(/^[A-Z]\w+$/);
      expect(o.metadata?.name, `${o.__file} ${o.kind}`).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    }
    const names = objects.map((o) => `${o.kind}/${o.metadata.name}`);
    expect(new Set(names).size).toBe(names.length);
  });

  test.skipIf(sandboxObjects.length === 0)('the sandbox component is a Component whose Service and NetworkPolicy the workers match', () => {
    const component = parse(readFileSync(join(SANDBOX, 'kustomization.yaml'), 'utf8')) as Obj;
    expect(component.kind).toBe('Component');
    expect(kustomization.components).toContain('sandbox');
    const sandboxUrl = new URL(byKind('ConfigMap')[0]!.data.SANDBOX_URL);
    const service = sandboxObjects.find((o) => o.kind === 'Service' && o.metadata.name === sandboxUrl.hostname);
    expect(service, `a sandbox Service named ${sandboxUrl.hostname}`).toBeTruthy();
    expect((service!.spec.ports as Obj[]).map((p) => String(p.port))).toContain(sandboxUrl.port);
    const policy = sandboxObjects.find((o) => o.kind === 'NetworkPolicy')!;
    const allowed = (policy.spec.ingress as Obj[]).flatMap((rule) =>
      (rule.from as Obj[]).map((f) => f.podSelector?.matchLabels).filter(Boolean),
    );
    for (const name of ['rollout-worker', 'grader']) {
      const labels = deployments.find((d) => d.metadata.name === name)!.spec.template.metadata.labels;
      expect(
        allowed.some((match: Record<string, string>) => Object.entries(match).every(([k, v]) => labels[k] === v)),
        `${name} may reach the sandbox`,
      ).toBe(true);
    }
    const sandboxContainer = sandboxObjects.find((o) => o.kind === 'Deployment')!.spec.template.spec.containers[0];
    expect(sandboxContainer.command).toEqual(['node', ...SANDBOX_NODE_FLAGS, 'services/sandbox/src/main.ts']);
    const sandboxImage = sandboxContainer.image;
    expect((parse(readFileSync(join(K8S, 'kustomization.yaml'), 'utf8')) as Obj).images.map((i: Obj) => i.name)).toContain(sandboxImage);
  });
  if (!existsSync(SANDBOX))
    console.warn(`[manifests] ${SANDBOX} is absent in this checkout: the sandbox component reference is not checked`);
});

describe('workloads', () => {
  test.skipIf(sandboxObjects.length === 0)(
    'sandbox callers hold their own token; the sandbox holds only their hashes, from a Secret',
    () => {
      const envOf = (container: Obj, name: string): Obj | undefined => (container.env as Obj[]).find((e) => e.name === name);
      for (const name of ['rollout-worker', 'grader']) {
        const container = (deployments.find((d) => d.metadata.name === name)!.spec.template.spec.containers as Obj[])[0]!;
        expect(envOf(container, 'SANDBOX_TOKEN')?.valueFrom?.secretKeyRef, name).toEqual({ name: 'rft-sandbox-tokens', key: name });
      }
      const sandboxContainer = sandboxObjects.find((o) => o.kind === 'Deployment')!.spec.template.spec.containers[0];
      expect(envOf(sandboxContainer, 'SANDBOX_TOKENS')?.valueFrom?.secretKeyRef).toEqual({
        name: 'rft-sandbox-callers',
        key: 'SANDBOX_TOKENS',
      });
      expect(sandboxContainer.envFrom ?? []).toEqual([]);
    },
  );

  test('deployments select their own pods and every container declares image and resource requests', () => {
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(['api', 'curator', 'grader', 'launcher', 'rollout-worker', 'scheduler']);
    for (const d of deployments) {
      const labels = d.spec.template.metadata.labels;
      for (const [k, v] of Object.entries(d.spec.selector.matchLabels)) expect(labels[k], `${d.metadata.name} selector ${k}`).toBe(v);
    }
    for (const [name, spec] of podSpecs) {
      for (const c of spec.containers as Obj[]) {
        expect(c.name, name).toBeTruthy();
        expect(c.image, `${name}/${c.name}`).toBeTruthy();
        expect(c.resources?.requests?.memory, `${name}/${c.name} memory request`).toBeTruthy();
        expect(c.resources?.limits?.memory, `${name}/${c.name} memory limit`).toBeTruthy();
        const ports = new Set(((c.ports ?? []) as Obj[]).map((p) => p.name));
        for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
          const port = c[probe]?.httpGet?.port;
          if (typeof port === 'string') expect(ports.has(port), `${name}/${c.name} ${probe} port ${port}`).toBe(true);
        }
        for (const ref of (c.envFrom ?? []) as Obj[]) {
          if (ref.configMapRef)
            expect(
              byKind('ConfigMap').map((m) => m.metadata.name),
              `${name} configMapRef`,
            ).toContain(ref.configMapRef.name);
        }
      }
    }
  });

  test('rollout workers run a vLLM sidecar with GPU requests and drain within their grace period', () => {
    const worker = deployments.find((d) => d.metadata.name === 'rollout-worker')!.spec.template.spec;
    const vllm = (worker.containers as Obj[]).find((c) => c.name === 'vllm')!;
    const main = (worker.containers as Obj[]).find((c) => c.name === 'worker')!;
    expect(Number(vllm.resources.requests['nvidia.com/gpu'])).toBeGreaterThan(0);
    expect(vllm.resources.limits['nvidia.com/gpu']).toBe(vllm.resources.requests['nvidia.com/gpu']);
    expect(vllm.args).toEqual(expect.arrayContaining(['--port=8000', '--generation-config=vllm']));
    const env = Object.fromEntries((main.env as Obj[]).map((e) => [e.name, e.value]));
    expect(env.INFERENCE_ENDPOINTS).toBe('http://127.0.0.1:8000');
    // Campaign-named endpoints are checked (API and workers) against the shared config's allow-list.
    expect(byKind('ConfigMap')[0]!.data.INFERENCE_ENDPOINT_ALLOWLIST).toBe('*.inference.svc.cluster.local');
    const drainS = Number(env.SHUTDOWN_TIMEOUT_MS) / 1000;
    const preStopS = Number(vllm.lifecycle.preStop.exec.command[1]);
    expect(drainS).toBeLessThan(worker.terminationGracePeriodSeconds);
    expect(preStopS).toBeGreaterThanOrEqual(drainS);
    expect(preStopS).toBeLessThan(worker.terminationGracePeriodSeconds);
    expect(worker.tolerations).toEqual(expect.arrayContaining([expect.objectContaining({ key: 'nvidia.com/gpu' })]));
    // Every service's drain fits inside its grace period.
    for (const d of deployments) {
      const spec = d.spec.template.spec;
      for (const c of spec.containers as Obj[]) {
        const timeout = ((c.env ?? []) as Obj[]).find((e) => e.name === 'SHUTDOWN_TIMEOUT_MS')?.value;
        if (timeout) expect(Number(timeout) / 1000, d.metadata.name).toBeLessThan(spec.terminationGracePeriodSeconds);
      }
    }
  });

  test('the launcher may launch PyTorchJobs in its namespace and nothing more; the API cannot', () => {
    const launcher = deployments.find((d) => d.metadata.name === 'launcher')!.spec.template.spec;
    const env = Object.fromEntries((launcher.containers[0].env as Obj[]).map((e) => [e.name, e.value]));
    expect(deployments.find((d) => d.metadata.name === 'api')!.spec.template.spec.serviceAccountName).toBeUndefined();
    const role = byKind('Role').find((r) => r.metadata.name === 'rft-launcher')!;
    expect(role.metadata.namespace).toBe(env.K8S_NAMESPACE);
    expect(byKind('Namespace').map((n) => n.metadata.name)).toContain(env.K8S_NAMESPACE);
    expect(role.rules).toEqual(
      expect.arrayContaining([expect.objectContaining({ apiGroups: ['kubeflow.org'], resources: ['pytorchjobs'] })]),
    );
    expect((role.rules as Obj[]).every((r) => !(r.verbs as string[]).includes('*'))).toBe(true);
    const binding = byKind('RoleBinding').find((b) => b.roleRef.name === role.metadata.name)!;
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: launcher.serviceAccountName, namespace: 'rft' }]);
    expect(byKind('ServiceAccount').map((a) => a.metadata.name)).toContain(launcher.serviceAccountName);
  });

  test('the API service targets the API pods on a named port', () => {
    const svc = byKind('Service').find((s) => s.metadata.name === 'api')!;
    const api = deployments.find((d) => d.metadata.name === 'api')!;
    expect(api.spec.template.metadata.labels).toMatchObject(svc.spec.selector);
    const ports = (api.spec.template.spec.containers[0].ports as Obj[]).map((p) => p.name);
    for (const p of svc.spec.ports as Obj[]) expect(ports).toContain(p.targetPort);
  });
});

describe('autoscaling', () => {
  const scaled = byKind('ScaledObject');

  test('scales workers on BullMQ backlog through the prometheus trigger', () => {
    expect(scaled.map((s) => s.spec.scaleTargetRef.name).sort()).toEqual(['grader', 'rollout-worker']);
    for (const s of scaled) {
      expect(deployments.map((d) => d.metadata.name)).toContain(s.spec.scaleTargetRef.name);
      const [trigger] = s.spec.triggers as Obj[];
      expect(trigger!.type).toBe('prometheus');
      expect(trigger!.metadata.query).toMatch(/bullmq_job_count\{.*queue="(rollout|grade)".*state=~"waiting\|prioritized\|delayed"/);
      expect(Number(trigger!.metadata.threshold)).toBeGreaterThan(0);
    }
  });

  const withoutFile = ({ __file: _file, ...object }: Obj) => object;

  test('ScaledObjects validate against the KEDA schema bundled with @kubernetes-models/keda', () => {
    for (const s of scaled) expect(() => new ScaledObject(withoutFile(s) as never).validate(), s.metadata.name).not.toThrow();
    // The bundled schema catches a missing target and a wrongly typed field, so the pass above means something.
    const noTarget = { ...withoutFile(scaled[0]!), spec: { ...scaled[0]!.spec, scaleTargetRef: {} } };
    expect(() => new ScaledObject(noTarget as never).validate()).toThrow(/scaleTargetRef must have required property name/);
    const textReplicas = { ...withoutFile(scaled[0]!), spec: { ...scaled[0]!.spec, minReplicaCount: 'one' } };
    expect(() => new ScaledObject(textReplicas as never).validate()).toThrow(/minReplicaCount must be integer/);
  });

  // The CRD file, when present, adds what the bundled schema lacks (e.g. refusing unknown fields).
  const kedaCrd = optionalCrdSchema('keda.sh_scaledobjects.yaml', 'ScaledObjects validate against the KEDA CRD file');
  test.skipIf(!kedaCrd.path)(kedaCrd.testName, () => {
    const crd = parse(readFileSync(kedaCrd.path!, 'utf8')) as Obj;
    const version = (crd.spec.versions as Obj[]).find((v) => v.name === 'v1alpha1')!;
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    const validate = ajv.compile(version.schema.openAPIV3Schema);
    for (const s of scaled) {
      const ok = validate(withoutFile(s));
      expect(ok, `${s.metadata.name}: ${ajv.errorsText(validate.errors)}`).toBe(true);
    }
    // The schema is strict enough to catch a mistake.
    expect(validate({ ...withoutFile(scaled[0]!), spec: { ...scaled[0]!.spec, scaleTargetRef: {} } })).toBe(false);
  });
});

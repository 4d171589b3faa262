import { ApiException, CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { SubmissionRejectedError, type BackendRunStatus, type LaunchBackend, type StatusReport } from './launch-backend.ts';
import { planFiles } from './plan-files.ts';
import {
  buildPyTorchJob,
  configMapName,
  PYTORCHJOB_GROUP,
  PYTORCHJOB_PLURAL,
  PYTORCHJOB_VERSION,
  type PyTorchJobOptions,
} from './pytorchjob-manifest.ts';

export interface KubernetesBackendOptions extends PyTorchJobOptions {
  kubeConfig: KubeConfig;
}

/** The API server's own words: `Status.message` when it sent one, else the HTTP code. */
export function apiReason(error: unknown): string | null {
  if (!(error instanceof ApiException)) return null;
  let body: unknown = error.body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      return `HTTP ${error.code}: ${body}`;
    }
  }
  const message = (body as { message?: unknown } | null)?.message;
  return `HTTP ${error.code}: ${typeof message === 'string' ? message : JSON.stringify(body)}`;
}

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

/** PyTorchJob conditions -> run status: the latest condition whose status is "True" decides. */
export function statusFromConditions(conditions: readonly Condition[]): StatusReport {
  const active = conditions.filter((c) => c.status === 'True');
  const current = active[active.length - 1];
  if (!current) return { status: 'pending', detail: 'no condition yet' };
  const detail = `${current.type}${current.reason ? ` (${current.reason})` : ''}${current.message ? `: ${current.message}` : ''}`;
  const map: Record<string, BackendRunStatus> = {
    Created: 'pending',
    Running: 'running',
    Restarting: 'running',
    Succeeded: 'succeeded',
    Failed: 'failed',
    Suspended: 'cancelled',
  };
  return { status: map[current.type ?? ''] ?? 'unknown', detail };
}

/**
 * Submits a PyTorchJob: first a ConfigMap with the run's files (plan, DeepSpeed config, trainer
 * arguments, preflight), then the job. If the job is refused the ConfigMap is deleted again.
 */
export function createKubernetesBackend(opts: KubernetesBackendOptions): LaunchBackend {
  const custom = opts.kubeConfig.makeApiClient(CustomObjectsApi);
  const core = opts.kubeConfig.makeApiClient(CoreV1Api);
  const ns = opts.namespace;
  const split = (externalId: string) => {
    const [namespace = ns, name = ''] = externalId.includes('/') ? externalId.split('/') : [ns, externalId];
    return { namespace, name };
  };
  const rejected = (error: unknown, what: string): never => {
    const reason = apiReason(error);
    if (reason) throw new SubmissionRejectedError('kubernetes', `${what}: ${reason}`);
    throw error;
  };
  return {
    kind: 'kubernetes',
    async submit(plan) {
      const job = buildPyTorchJob(plan, opts);
      const name = (job['metadata'] as { name: string }).name;
      const cm = configMapName(plan.runId);
      await core
        .createNamespacedConfigMap({
          namespace: ns,
          body: { metadata: { name: cm, namespace: ns, labels: { 'rft.run-id': plan.runId } }, data: planFiles(plan) },
        })
        .catch((error: unknown) => rejected(error, `creating ConfigMap ${ns}/${cm}`));
      try {
        await custom.createNamespacedCustomObject({
          group: PYTORCHJOB_GROUP,
          version: PYTORCHJOB_VERSION,
          namespace: ns,
          plural: PYTORCHJOB_PLURAL,
          body: job,
        });
      } catch (error) {
        await core.deleteNamespacedConfigMap({ namespace: ns, name: cm }).catch(() => undefined);
        rejected(error, `creating PyTorchJob ${ns}/${name}`);
      }
      return { externalId: `${ns}/${name}`, status: 'pending' };
    },
    async status(externalId) {
      const { namespace, name } = split(externalId);
      try {
        const job = (await custom.getNamespacedCustomObject({
          group: PYTORCHJOB_GROUP,
          version: PYTORCHJOB_VERSION,
          namespace,
          plural: PYTORCHJOB_PLURAL,
          name,
        })) as { status?: { conditions?: Condition[] } };
        return statusFromConditions(job.status?.conditions ?? []);
      } catch (error) {
        if (error instanceof ApiException && error.code === 404) return { status: 'unknown', detail: `PyTorchJob ${externalId} not found` };
        throw error;
      }
    },
    async cancel(externalId) {
      const { namespace, name } = split(externalId);
      await custom.deleteNamespacedCustomObject({
        group: PYTORCHJOB_GROUP,
        version: PYTORCHJOB_VERSION,
        namespace,
        plural: PYTORCHJOB_PLURAL,
        name,
        propagationPolicy: 'Foreground',
      });
      const runId = name.replace(/^rft-/, '');
      await core.deleteNamespacedConfigMap({ namespace, name: configMapName(runId) }).catch(() => undefined);
    },
  };
}

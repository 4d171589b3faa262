import { ApiException, AppsV1Api, CoreV1Api, type KubeConfig, type V1Deployment, type V1Service } from '@kubernetes/client-node';
import { apiReason } from '../backends/kubernetes.ts';
import {
  buildServeManifests,
  serveResourceName,
  serveUrl,
  validateServeManifests,
  type KubeServeTarget,
  type KubernetesServeOptions,
} from './kubernetes-serve-manifest.ts';
import { ServeStartRejectedError, type ServeDriver, type ServeTarget } from './serve-driver.ts';

export interface KubernetesServeDriverOptions extends KubernetesServeOptions {
  kubeConfig: KubeConfig;
}

function kube(target: ServeTarget): KubeServeTarget {
  if (target.backend.type !== 'kubernetes') throw new Error(`kubernetes serve driver given a ${target.backend.type} step`);
  return target as KubeServeTarget;
}

const exists = (error: unknown) => error instanceof ApiException && error.code === 409;

/**
 * The `kubernetes` serve backend: a validated Deployment + Service per serve step, applied with the
 * training backend's kubeconfig. Names derive from the step, so a retried start finds (409) and
 * adopts what an earlier attempt created. The handle is `namespace/name`; the endpoint the Service URL.
 */
export function createKubernetesServeDriver(opts: KubernetesServeDriverOptions): ServeDriver {
  const apps = opts.kubeConfig.makeApiClient(AppsV1Api);
  const core = opts.kubeConfig.makeApiClient(CoreV1Api);
  return {
    async start(target) {
      const t = kube(target);
      const manifests = buildServeManifests(t, opts);
      const problems = validateServeManifests(manifests, t);
      if (problems.length) throw new ServeStartRejectedError(`invalid manifests: ${problems.join('; ')}`);
      const namespace = t.backend.namespace;
      try {
        await apps.createNamespacedDeployment({ namespace, body: manifests.deployment as V1Deployment });
      } catch (error) {
        if (!exists(error)) throw apiReason(error) ? new ServeStartRejectedError(`Deployment: ${apiReason(error)}`) : error;
      }
      try {
        await core.createNamespacedService({ namespace, body: manifests.service as V1Service });
      } catch (error) {
        if (!exists(error)) throw apiReason(error) ? new ServeStartRejectedError(`Service: ${apiReason(error)}`) : error;
      }
      return { externalId: `${namespace}/${serveResourceName(t)}` };
    },
    async state(target, externalId) {
      const t = kube(target);
      const [namespace = '', name = ''] = (externalId ?? '').split('/');
      let deployment: V1Deployment;
      try {
        deployment = await apps.readNamespacedDeployment({ namespace, name });
      } catch (error) {
        if (error instanceof ApiException && error.code === 404)
          return { phase: 'failed', endpoints: [], detail: `Deployment ${externalId} not found` };
        throw error;
      }
      const stuck = deployment.status?.conditions?.find((c) => c.type === 'Progressing' && c.status === 'False');
      if (stuck)
        return { phase: 'failed', endpoints: [], detail: `Deployment ${externalId}: ${stuck.reason ?? ''} ${stuck.message ?? ''}`.trim() };
      const ready = deployment.status?.readyReplicas ?? 0;
      const detail = `Deployment ${externalId}: ${ready}/${t.backend.replicas} replicas ready`;
      return ready >= t.backend.replicas ? { phase: 'up', endpoints: [serveUrl(t)], detail } : { phase: 'starting', endpoints: [], detail };
    },
    async stop(_target, externalId) {
      const [namespace = '', name = ''] = externalId.split('/');
      await apps.deleteNamespacedDeployment({ namespace, name }).catch(() => undefined);
      await core.deleteNamespacedService({ namespace, name }).catch(() => undefined);
    },
  };
}

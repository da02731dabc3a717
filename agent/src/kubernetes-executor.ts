import type { KubeConfig } from '@kubernetes/client-node';
import type { KarpenterManifest } from '@spot/shared/model/agent-command';
import { type KubernetesExecutor, KubernetesForbiddenError, type PatchWorkloadCommand } from './commands';

/**
 * The agent's {@link KubernetesExecutor} over the API server, with the service account of the pod. Every
 * write is one API call: a strategic merge patch for cordon, workload patches and the agent's own image
 * (`upgrade-agent`, ADR 0085), the Eviction
 * subresource (which honours PodDisruptionBudgets: 429 when one allows no disruption), and server-side
 * apply with field manager `spot-optimizer` for Karpenter objects.
 */

const fieldManager = 'spot-optimizer';
const karpenterApiVersion = { NodePool: 'karpenter.sh/v1', EC2NodeClass: 'karpenter.k8s.aws/v1' } as const;

/** The strategic merge patch of a workload's pod template (containers merge by name). */
export function workloadPatchBody(command: PatchWorkloadCommand): Record<string, unknown> {
  const quantities = (r: { cpuMilli?: number; memoryMiB?: number } | undefined) =>
    r
      ? {
          ...(r.cpuMilli !== undefined ? { cpu: `${r.cpuMilli}m` } : {}),
          ...(r.memoryMiB !== undefined ? { memory: `${r.memoryMiB}Mi` } : {}),
        }
      : undefined;
  const podSpec: Record<string, unknown> = {};
  if (command.containers?.length)
    podSpec.containers = command.containers.map((c) => {
      const requests = quantities(c.requests);
      const limits = quantities(c.limits);
      return {
        name: c.name,
        resources: { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) },
      };
    });
  const s = command.scheduling;
  if (s?.nodeSelector) podSpec.nodeSelector = s.nodeSelector;
  if (s?.tolerations) podSpec.tolerations = s.tolerations;
  if (s?.affinity) podSpec.affinity = s.affinity;
  if (s?.topologySpreadConstraints) podSpec.topologySpreadConstraints = s.topologySpreadConstraints;
  if (s?.priorityClassName) podSpec.priorityClassName = s.priorityClassName;
  return { spec: { template: { spec: podSpec } } };
}

/** The agent's container in its Deployment (the chart's and the plain manifest's name). */
export const agentContainerName = 'agent';

/**
 * The strategic merge patch of `upgrade-agent` (ADR 0085): the `agent` container's image (containers
 * merge by name, the others stay as they are) and the annotations recording the upgrade.
 */
export function agentImagePatchBody(image: string, annotations: Record<string, string>) {
  return {
    metadata: { annotations },
    spec: { template: { spec: { containers: [{ name: agentContainerName, image }] } } },
  };
}

const codeOf = (error: unknown) => (error as { code?: number }).code;

/** 401/403 become {@link KubernetesForbiddenError}; the message names the call, never the token. */
async function call<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const code = codeOf(error);
    if (code === 401 || code === 403) throw new KubernetesForbiddenError(`${what}: HTTP ${code}`);
    throw error;
  }
}

export async function kubernetesExecutor(kc: KubeConfig): Promise<KubernetesExecutor> {
  const { AppsV1Api, CoreV1Api, KubernetesObjectApi, PatchStrategy, setHeaderOptions } = await import(
    '@kubernetes/client-node'
  );
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const objects = KubernetesObjectApi.makeApiClient(kc);
  const strategic = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);

  return {
    async setUnschedulable(node, unschedulable) {
      await call(`patch node ${node}`, () =>
        core.patchNode({ name: node, body: { spec: { unschedulable } } }, strategic),
      );
    },
    async podLabels(namespace, pod) {
      try {
        const found = await call(`get pod ${namespace}/${pod}`, () =>
          core.readNamespacedPod({ name: pod, namespace }),
        );
        return found.metadata?.labels ?? {};
      } catch (error) {
        if (codeOf(error) === 404) return null;
        throw error;
      }
    },
    async evict(namespace, pod) {
      try {
        await call(`evict pod ${namespace}/${pod}`, () =>
          core.createNamespacedPodEviction({
            name: pod,
            namespace,
            body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: pod, namespace } },
          }),
        );
        return { outcome: 'evicted' };
      } catch (error) {
        if (codeOf(error) === 429) {
          const body = (error as { body?: unknown }).body;
          const message =
            typeof body === 'string' ? (JSON.parse(body) as { message?: string }).message : undefined;
          return { outcome: 'blocked', ...(message ? { message } : {}) };
        }
        if (codeOf(error) === 404) return { outcome: 'gone' };
        throw error;
      }
    },
    async workloadTemplateLabels(kind, namespace, name) {
      try {
        const found = await call(`get ${kind} ${namespace}/${name}`, () =>
          kind === 'Deployment'
            ? apps.readNamespacedDeployment({ name, namespace })
            : apps.readNamespacedStatefulSet({ name, namespace }),
        );
        return found.spec?.template.metadata?.labels ?? {};
      } catch (error) {
        if (codeOf(error) === 404) return null;
        throw error;
      }
    },
    async patchWorkload(command) {
      const body = workloadPatchBody(command);
      const request = { name: command.name, namespace: command.namespace, body, fieldManager };
      await call(`patch ${command.kind} ${command.namespace}/${command.name}`, () =>
        command.kind === 'Deployment'
          ? apps.patchNamespacedDeployment(request, strategic)
          : apps.patchNamespacedStatefulSet(request, strategic),
      );
    },
    async karpenterObjectLabels(kind, name) {
      try {
        const found = await call(`get ${kind} ${name}`, () =>
          objects.read({ apiVersion: karpenterApiVersion[kind], kind, metadata: { name } }),
        );
        return found.metadata?.labels ?? {};
      } catch (error) {
        if (codeOf(error) === 404) return null;
        throw error;
      }
    },
    async deleteKarpenter(kind, name) {
      try {
        await call(`delete ${kind} ${name}`, () =>
          objects.delete({ apiVersion: karpenterApiVersion[kind], kind, metadata: { name } }),
        );
      } catch (error) {
        // Already gone: the delete is done.
        if (codeOf(error) !== 404) throw error;
      }
    },
    async deleteNode(node) {
      try {
        const found = await call(`get node ${node}`, () => core.readNode({ name: node }));
        if (!found.metadata?.labels?.['karpenter.sh/nodepool']) return 'not-karpenter';
        await call(`delete node ${node}`, () => core.deleteNode({ name: node }));
        return 'deleted';
      } catch (error) {
        if (codeOf(error) === 404) return 'gone';
        throw error;
      }
    },
    async agentDeployment({ namespace, name }) {
      try {
        const found = await call(`get deployment ${namespace}/${name}`, () =>
          apps.readNamespacedDeployment({ name, namespace }),
        );
        const container = found.spec?.template.spec?.containers.find((c) => c.name === agentContainerName);
        if (!container?.image) return null;
        return { image: container.image, annotations: found.metadata?.annotations ?? {} };
      } catch (error) {
        if (codeOf(error) === 404) return null;
        throw error;
      }
    },
    async setAgentImage(deployment, image, annotations) {
      const { namespace, name } = deployment;
      await call(`patch deployment ${namespace}/${name}`, () =>
        apps.patchNamespacedDeployment(
          { name, namespace, body: agentImagePatchBody(image, annotations), fieldManager },
          strategic,
        ),
      );
    },
    async applyKarpenter(manifest: KarpenterManifest) {
      await call(`apply ${manifest.kind} ${manifest.metadata.name}`, () =>
        objects.patch(
          manifest as Parameters<typeof objects.patch>[0],
          undefined,
          undefined,
          fieldManager,
          true,
          PatchStrategy.ServerSideApply,
        ),
      );
    },
  };
}

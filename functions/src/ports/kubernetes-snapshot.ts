/**
 * The one Kubernetes collector: reads a cluster through @kubernetes/client-node and returns a validated
 * `ClusterSnapshot`. The agentless collector (a Lambda with an STS-presigned EKS token) and the in-cluster
 * agent (service-account token) both call `collectClusterSnapshot`; only the KubeConfig differs.
 *
 * Reads (all list calls paginated with `limit`/`continue`): nodes, pods, replica sets and deployments (to
 * resolve a pod's top-level controller and its replicas), PodDisruptionBudgets, HorizontalPodAutoscalers,
 * events, metrics.k8s.io node and pod usage, and /version. Nodes and pods are required; everything else is
 * optional (a cluster without metrics-server has no usage, one without PDB read access has no PDBs).
 *
 * Imports only the snapshot schema from `shared/`, so the agent's bundle stays small.
 */
import {
  ApiException,
  AppsV1Api,
  AutoscalingV2Api,
  CoreV1Api,
  type KubeConfig,
  Metrics,
  PolicyV1Api,
  type V1Deployment,
  type V1Node,
  type V1Pod,
  type V1ReplicaSet,
  VersionApi,
} from '@kubernetes/client-node';
import { type ClusterSnapshot, clusterSnapshotSchema } from '@spot/shared/model/cluster-snapshot';
import { KubernetesAccessError } from './kubernetes-errors';
import { cpuMilli, memoryMiB, milliUnits } from './kubernetes-quantity';

export interface CollectOptions {
  clusterName: string;
  source: 'agentless' | 'agent';
  /** Injected clock: `capturedAt` of the snapshot. */
  now: () => Date;
  /** Items per list call (default 500). */
  pageSize?: number;
  /** Events read at most (default 5000, newest pages first as the API returns them). */
  maxEvents?: number;
  /** Says, in the access-denied message, what grants access (an access entry, the agent's ClusterRole). */
  accessHint?: string;
}

/** The optional lists, as ClusterRole resources, in the order they are read. */
const optionalLists = [
  'replicasets.apps',
  'deployments.apps',
  'poddisruptionbudgets.policy',
  'horizontalpodautoscalers.autoscaling',
  'events',
  'nodes.metrics.k8s.io',
  'pods.metrics.k8s.io',
] as const;

type Snapshot = ClusterSnapshot;
type SnapshotNode = Snapshot['nodes'][number];
type SnapshotPod = Snapshot['pods'][number];
type EventReason = Snapshot['events'][number]['reason'];

/** Annotations the savings engine reads; the rest (kubectl's last-applied configuration…) stays out. */
const keptAnnotationPrefixes = ['karpenter.sh/', 'cluster-autoscaler.kubernetes.io/', 'spot-optimizer.io/'];

/** A pod's or node's annotations the product reads; the others (often large) stay out of the snapshot. */
const keptAnnotations = (annotations: Record<string, string> | undefined): Record<string, string> =>
  Object.fromEntries(
    Object.entries(annotations ?? {}).filter(([k]) =>
      keptAnnotationPrefixes.some((prefix) => k.startsWith(prefix)),
    ),
  );

const nodeEventReasons: Record<string, EventReason> = {
  NodeHasDiskPressure: 'DiskPressure',
  NodeHasInsufficientMemory: 'MemoryPressure',
  NodeHasInsufficientPID: 'PIDPressure',
  NodeNotReady: 'NodeNotReady',
  SpotInterrupted: 'SpotInterruption',
  SpotInterruption: 'SpotInterruption',
  InstanceSpotInterrupted: 'SpotInterruption',
};

const iso = (value: Date | string | undefined | null): string | null => {
  if (value === undefined || value === null) return null;
  const d = value instanceof Date ? value : new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
};

const statusOf = (error: unknown): number | null => {
  if (error instanceof ApiException) return error.code;
  const code =
    (error as { code?: unknown; statusCode?: unknown })?.statusCode ?? (error as { code?: unknown })?.code;
  return typeof code === 'number' ? code : null;
};

/**
 * Whether a failed call is the control plane's failure: an answer of 5xx (the API server or an aggregated
 * API unable to serve) or 429 (throttled by API priority and fairness), or no HTTP answer at all (refused,
 * reset, timed out). A 401/403/404 is an answer about access or an API not installed: the API server
 * served it.
 */
export function controlPlaneFailure(error: unknown): boolean {
  const status = statusOf(error);
  return status === null || status === 429 || status >= 500;
}

/** Lists every page of a list call. */
async function listAll<T>(
  call: (page: {
    limit: number;
    _continue?: string;
  }) => Promise<{ items: T[]; metadata?: { _continue?: string } }>,
  pageSize: number,
  maxItems = Number.POSITIVE_INFINITY,
): Promise<T[]> {
  const items: T[] = [];
  let next: string | undefined;
  do {
    const page = await call({ limit: pageSize, ...(next ? { _continue: next } : {}) });
    items.push(...page.items);
    next = page.metadata?._continue || undefined;
  } while (next && items.length < maxItems);
  return items;
}

export async function collectClusterSnapshot(
  kc: KubeConfig,
  options: CollectOptions,
): Promise<ClusterSnapshot> {
  const pageSize = options.pageSize ?? 500;
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const policy = kc.makeApiClient(PolicyV1Api);
  const autoscaling = kc.makeApiClient(AutoscalingV2Api);
  const versionApi = kc.makeApiClient(VersionApi);
  const metrics = new Metrics(kc);
  const latencies: number[] = [];
  /** Calls the control plane failed: answered 5xx or 429, or not at all (ADR 0086). */
  let failedCalls = 0;
  const timed = async <T>(fn: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await fn();
    } catch (error) {
      if (controlPlaneFailure(error)) failedCalls += 1;
      throw error;
    } finally {
      latencies.push(performance.now() - started);
    }
  };
  const required = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await timed(fn);
    } catch (error) {
      throw listAccessError(error, what, options);
    }
  };
  /** Lists the API server refused (403): the snapshot says so, and the cluster's collection names them. */
  const denied = new Set<string>();
  /** Optional reads: a missing API or permission leaves the part empty instead of failing the snapshot. */
  const optional = async <T>(
    resource: (typeof optionalLists)[number],
    fn: () => Promise<T>,
    fallback: T,
  ): Promise<T> => {
    try {
      return await timed(fn);
    } catch (error) {
      const status = statusOf(error);
      if (status === 401) throw listAccessError(error, 'the cluster', options);
      if (status === 403) denied.add(resource);
      return fallback;
    }
  };

  const [version, nodes, pods] = await Promise.all([
    required('/version', () => versionApi.getCode()),
    required('nodes', () => listAll<V1Node>((p) => core.listNode(p), pageSize)),
    required('pods', () => listAll<V1Pod>((p) => core.listPodForAllNamespaces(p), pageSize)),
  ]);
  const [replicaSets, deployments, pdbs, hpas, events, nodeMetrics, podMetrics] = await Promise.all([
    optional(
      'replicasets.apps',
      () => listAll<V1ReplicaSet>((p) => apps.listReplicaSetForAllNamespaces(p), pageSize),
      null,
    ),
    optional(
      'deployments.apps',
      () => listAll<V1Deployment>((p) => apps.listDeploymentForAllNamespaces(p), pageSize),
      null,
    ),
    optional(
      'poddisruptionbudgets.policy',
      () => listAll((p) => policy.listPodDisruptionBudgetForAllNamespaces(p), pageSize),
      [],
    ),
    optional(
      'horizontalpodautoscalers.autoscaling',
      () => listAll((p) => autoscaling.listHorizontalPodAutoscalerForAllNamespaces(p), pageSize),
      [],
    ),
    optional(
      'events',
      () => listAll((p) => core.listEventForAllNamespaces(p), pageSize, options.maxEvents ?? 5000),
      [],
    ),
    optional('nodes.metrics.k8s.io', () => metrics.getNodeMetrics(), null),
    optional('pods.metrics.k8s.io', () => metrics.getPodMetrics(), null),
  ]);

  const nodeUsage = new Map((nodeMetrics?.items ?? []).map((m) => [m.metadata.name, m.usage]));
  const containerUsage = new Map<string, Map<string, { cpu: string; memory: string }>>();
  for (const m of podMetrics?.items ?? []) {
    containerUsage.set(
      `${m.metadata.namespace}/${m.metadata.name}`,
      new Map(m.containers.map((c) => [c.name, c.usage])),
    );
  }

  const snapshotNodes = nodes.flatMap((n) => {
    const node = toSnapshotNode(n, nodeUsage.get(n.metadata?.name ?? ''));
    return node ? [node] : [];
  });
  const owners = ownerResolver(pods, replicaSets, deployments);
  const snapshotPods = pods.flatMap((p) => {
    const pod = toSnapshotPod(p, owners, containerUsage.get(`${p.metadata?.namespace}/${p.metadata?.name}`));
    return pod ? [pod] : [];
  });

  const snapshotEvents: Snapshot['events'] = [];
  for (const e of events) {
    const kind = e.involvedObject?.kind;
    const reason = e.reason ? nodeEventReasons[e.reason] : undefined;
    const at =
      iso(e.lastTimestamp) ??
      iso(e.eventTime as unknown as Date | string | undefined) ??
      iso(e.firstTimestamp);
    if (!reason || kind !== 'Node' || !at || !e.involvedObject.name) continue;
    snapshotEvents.push({
      reason,
      objectKind: 'Node',
      objectName: e.involvedObject.name,
      namespace: null,
      at,
      count: Math.max(1, e.series?.count ?? e.count ?? 1),
    });
  }
  // OOM kills are not events: the kubelet records them in the container's last state.
  for (const p of pods) {
    for (const s of p.status?.containerStatuses ?? []) {
      const terminated = s.lastState?.terminated ?? s.state?.terminated;
      const at = iso(terminated?.finishedAt);
      if (terminated?.reason !== 'OOMKilled' || !at || !p.metadata?.name) continue;
      snapshotEvents.push({
        reason: 'OOMKilled',
        objectKind: 'Pod',
        objectName: p.metadata.name,
        namespace: p.metadata.namespace ?? null,
        at,
        count: 1,
      });
    }
  }

  const sorted = [...latencies].sort((a, b) => a - b);
  const p99 = sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] ?? 0;
  return clusterSnapshotSchema.parse({
    schemaVersion: 1,
    clusterName: options.clusterName,
    capturedAt: options.now().toISOString(),
    kubernetesVersion: `${version.major}.${(version.minor ?? '').replace(/\D+$/, '')}`,
    source: options.source,
    nodes: snapshotNodes,
    pods: snapshotPods,
    pdbs: pdbs.flatMap((b) =>
      b.metadata?.name && b.metadata.namespace
        ? [
            {
              namespace: b.metadata.namespace,
              name: b.metadata.name,
              matchLabels: b.spec?.selector?.matchLabels ?? {},
              disruptionsAllowed: Math.max(0, b.status?.disruptionsAllowed ?? 0),
            },
          ]
        : [],
    ),
    hpas: hpas.flatMap((h) =>
      h.metadata?.name && h.metadata.namespace && h.spec?.scaleTargetRef
        ? [
            {
              namespace: h.metadata.namespace,
              name: h.metadata.name,
              target: { kind: h.spec.scaleTargetRef.kind, name: h.spec.scaleTargetRef.name },
              metrics: [
                ...new Set(
                  (h.spec.metrics ?? []).map((m) =>
                    m.type === 'Resource' && (m.resource?.name === 'cpu' || m.resource?.name === 'memory')
                      ? m.resource.name
                      : ('custom' as const),
                  ),
                ),
              ] as ('cpu' | 'memory' | 'custom')[],
              minReplicas: Math.max(0, h.spec.minReplicas ?? 1),
              maxReplicas: Math.max(1, h.spec.maxReplicas),
            },
          ]
        : [],
    ),
    events: snapshotEvents,
    controlPlane: {
      // The p99 of this collector's own API calls: a proxy measured from where we stand.
      latencyP99Ms: Math.round(p99 * 10) / 10,
      // The cluster-wide request rate needs the API server's /metrics; not read by the collectors.
      requestsPerMinute: 0,
      // The share of the same calls that failed, measured the same way (ADR 0086). A failed required
      // list fails the snapshot, so in practice this counts the optional lists.
      errorRatio: latencies.length > 0 ? Math.round((failedCalls / latencies.length) * 10_000) / 10_000 : 0,
    },
    // In the order of the reads, whichever answered first.
    ...(denied.size > 0 ? { deniedLists: optionalLists.filter((r) => denied.has(r)) } : {}),
  });
}

/**
 * A list the cluster refused or could not answer, as the collector reports it (exported for the sandbox's
 * API server, which refuses by its modelled RBAC with the same words).
 */
export function listAccessError(
  error: unknown,
  what: string,
  options: Pick<CollectOptions, 'accessHint' | 'source'>,
): Error {
  const hint = options.accessHint;
  const status = statusOf(error);
  if (status === 401 || status === 403) {
    return new KubernetesAccessError(
      'KUBERNETES_ACCESS_DENIED',
      `The cluster refused to list ${what} (HTTP ${status}). ${hint ?? 'Grant the read-only ClusterRole of Spot Optimizer.'}`,
      { cause: error },
    );
  }
  if (status !== null && status >= 400) {
    return new KubernetesAccessError(
      'KUBERNETES_UNREACHABLE',
      `The cluster answered HTTP ${status} to a list of ${what}.`,
      {
        cause: error,
      },
    );
  }
  return new KubernetesAccessError(
    'KUBERNETES_UNREACHABLE',
    `The cluster's API endpoint could not be reached to list ${what}: ${error instanceof Error ? error.message : String(error)}.${options.source === 'agentless' ? ' A private-only endpoint needs the in-cluster agent.' : ''}`,
    { cause: error },
  );
}

const instanceIdOf = (providerId: string | undefined) => {
  const last = providerId?.split('/').pop();
  return last?.startsWith('i-') ? last : null;
};

function capacityTypeOf(labels: Record<string, string>): 'on-demand' | 'spot' {
  const value =
    labels['karpenter.sh/capacity-type'] ??
    labels['eks.amazonaws.com/capacityType'] ??
    labels['node.kubernetes.io/lifecycle'] ??
    labels.lifecycle ??
    '';
  return /spot/i.test(value) ? 'spot' : 'on-demand';
}

const effects = new Set(['NoSchedule', 'PreferNoSchedule', 'NoExecute']);

function extendedResources(map: Record<string, string> | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(map ?? {})) {
    if (k.includes('/') && !k.startsWith('hugepages-') && !k.startsWith('attachable-volumes'))
      out[k] = milliUnits(v);
  }
  return out;
}

function toSnapshotNode(n: V1Node, usage: { cpu: string; memory: string } | undefined): SnapshotNode | null {
  const name = n.metadata?.name;
  if (!name) return null;
  const labels = n.metadata?.labels ?? {};
  const allocatable = n.status?.allocatable ?? {};
  const conditions: Record<string, 'True' | 'False' | 'Unknown'> = {};
  for (const c of n.status?.conditions ?? []) {
    if (c.status === 'True' || c.status === 'False' || c.status === 'Unknown') conditions[c.type] = c.status;
  }
  return {
    name,
    instanceId: instanceIdOf(n.spec?.providerID),
    instanceType:
      labels['node.kubernetes.io/instance-type'] ?? labels['beta.kubernetes.io/instance-type'] ?? 'unknown',
    capacityType: capacityTypeOf(labels),
    zone:
      labels['topology.kubernetes.io/zone'] ?? labels['failure-domain.beta.kubernetes.io/zone'] ?? 'unknown',
    nodeGroup:
      labels['eks.amazonaws.com/nodegroup'] ??
      labels['karpenter.sh/nodepool'] ??
      labels['alpha.eksctl.io/nodegroup-name'] ??
      null,
    allocatable: {
      cpuMilli: cpuMilli(allocatable.cpu),
      memoryMiB: memoryMiB(allocatable.memory),
      pods: Math.round(Number(allocatable.pods ?? 0)) || 0,
      resources: extendedResources(allocatable),
    },
    labels,
    annotations: keptAnnotations(n.metadata?.annotations),
    taints: (n.spec?.taints ?? [])
      .filter((t) => effects.has(t.effect))
      .map((t) => ({
        key: t.key,
        ...(t.value !== undefined ? { value: t.value } : {}),
        effect: t.effect as 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute',
      })),
    conditions,
    usage: usage ? { cpuMilli: cpuMilli(usage.cpu), memoryMiB: memoryMiB(usage.memory) } : null,
    createdAt: iso(n.metadata?.creationTimestamp) ?? new Date(0).toISOString(),
  };
}

type OwnerResolver = (pod: V1Pod) => SnapshotPod['owner'];

/**
 * A pod's top-level controller: a ReplicaSet resolves to its Deployment (with the Deployment's desired
 * replicas). Without read access to replica sets, a ReplicaSet named `<deployment>-<pod-template-hash>`
 * is taken for its Deployment (replicas from the Deployment if readable, else counted from the pods).
 */
function ownerResolver(
  pods: readonly V1Pod[],
  replicaSets: readonly V1ReplicaSet[] | null,
  deployments: readonly V1Deployment[] | null,
): OwnerResolver {
  const deploymentReplicas = new Map(
    (deployments ?? []).map((d) => [`${d.metadata?.namespace}/${d.metadata?.name}`, d.spec?.replicas ?? 1]),
  );
  const rsOwner = new Map<string, { kind: string; name: string } | null>();
  const rsReplicas = new Map<string, number>();
  for (const rs of replicaSets ?? []) {
    const key = `${rs.metadata?.namespace}/${rs.metadata?.name}`;
    const controller = rs.metadata?.ownerReferences?.find((o) => o.controller);
    rsOwner.set(key, controller ? { kind: controller.kind, name: controller.name } : null);
    rsReplicas.set(key, rs.spec?.replicas ?? 1);
  }
  const podsPerOwner = new Map<string, number>();
  const controllerOf = (p: V1Pod) =>
    p.metadata?.ownerReferences?.find((o) => o.controller) ?? p.metadata?.ownerReferences?.[0];
  for (const p of pods) {
    const c = controllerOf(p);
    if (c) {
      const key = `${p.metadata?.namespace}/${c.kind}/${c.name}`;
      podsPerOwner.set(key, (podsPerOwner.get(key) ?? 0) + 1);
    }
  }
  return (pod) => {
    const c = controllerOf(pod);
    if (!c) return null;
    const ns = pod.metadata?.namespace ?? '';
    const counted = podsPerOwner.get(`${ns}/${c.kind}/${c.name}`) ?? 1;
    if (c.kind === 'ReplicaSet') {
      const key = `${ns}/${c.name}`;
      if (replicaSets) {
        const owner = rsOwner.get(key);
        if (owner?.kind === 'Deployment') {
          return {
            kind: 'Deployment',
            name: owner.name,
            replicas: deploymentReplicas.get(`${ns}/${owner.name}`) ?? counted,
          };
        }
        return { kind: 'ReplicaSet', name: c.name, replicas: rsReplicas.get(key) ?? counted };
      }
      const hash = pod.metadata?.labels?.['pod-template-hash'];
      if (hash && c.name.endsWith(`-${hash}`)) {
        const name = c.name.slice(0, -hash.length - 1);
        return { kind: 'Deployment', name, replicas: deploymentReplicas.get(`${ns}/${name}`) ?? counted };
      }
      return { kind: 'ReplicaSet', name: c.name, replicas: counted };
    }
    if (c.kind === 'DaemonSet' || c.kind === 'Job' || c.kind === 'Node')
      return { kind: c.kind, name: c.name, replicas: null };
    return { kind: c.kind, name: c.name, replicas: counted };
  };
}

const phases = new Set(['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown']);

function qosOf(pod: V1Pod): SnapshotPod['qosClass'] {
  const declared = pod.status?.qosClass;
  if (declared === 'Guaranteed' || declared === 'Burstable' || declared === 'BestEffort') return declared;
  const containers = pod.spec?.containers ?? [];
  const anyRequest = containers.some(
    (c) =>
      Object.keys(c.resources?.requests ?? {}).length > 0 ||
      Object.keys(c.resources?.limits ?? {}).length > 0,
  );
  if (!anyRequest) return 'BestEffort';
  const guaranteed = containers.every((c) => {
    const r = c.resources ?? {};
    return (
      r.limits?.cpu &&
      r.limits.memory &&
      (r.requests?.cpu ?? r.limits.cpu) === r.limits.cpu &&
      (r.requests?.memory ?? r.limits.memory) === r.limits.memory
    );
  });
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

function toSnapshotPod(
  p: V1Pod,
  owners: OwnerResolver,
  usage: Map<string, { cpu: string; memory: string }> | undefined,
): SnapshotPod | null {
  const name = p.metadata?.name;
  const namespace = p.metadata?.namespace;
  const phase = p.status?.phase ?? 'Unknown';
  // Finished pods hold no capacity: leaving them out keeps the snapshot small.
  if (!name || !namespace || phase === 'Succeeded' || phase === 'Failed') return null;
  const containers = p.spec?.containers ?? [];
  if (containers.length === 0) return null;
  const statuses = new Map((p.status?.containerStatuses ?? []).map((s) => [s.name, s]));
  const annotations = keptAnnotations(p.metadata?.annotations);
  return {
    namespace,
    name,
    nodeName: p.spec?.nodeName ?? null,
    phase: (phases.has(phase) ? phase : 'Unknown') as SnapshotPod['phase'],
    owner: owners(p),
    qosClass: qosOf(p),
    containers: containers.map((c) => {
      const s = statuses.get(c.name);
      const u = usage?.get(c.name);
      const requests = c.resources?.requests ?? {};
      const limits = c.resources?.limits ?? {};
      return {
        name: c.name,
        requests: {
          cpuMilli: cpuMilli(requests.cpu),
          memoryMiB: memoryMiB(requests.memory),
          resources: extendedResources(requests),
        },
        limits: {
          ...(limits.cpu !== undefined ? { cpuMilli: cpuMilli(limits.cpu) } : {}),
          ...(limits.memory !== undefined ? { memoryMiB: memoryMiB(limits.memory) } : {}),
          resources: extendedResources(limits),
        },
        usage: u ? { cpuMilli: cpuMilli(u.cpu), memoryMiB: memoryMiB(u.memory) } : null,
        restarts: Math.max(0, s?.restartCount ?? 0),
        lastTerminationReason: s?.lastState?.terminated?.reason ?? null,
      };
    }),
    pvcNames: (p.spec?.volumes ?? []).flatMap((v) =>
      v.persistentVolumeClaim ? [v.persistentVolumeClaim.claimName] : [],
    ),
    labels: p.metadata?.labels ?? {},
    annotations,
    nodeSelector: p.spec?.nodeSelector ?? {},
    tolerations: (p.spec?.tolerations ?? []).map((t) => ({
      ...(t.key !== undefined ? { key: t.key } : {}),
      ...(t.operator !== undefined ? { operator: t.operator } : {}),
      ...(t.value !== undefined ? { value: t.value } : {}),
      ...(t.effect !== undefined ? { effect: t.effect } : {}),
    })),
    ...schedulingConstraintsOf(p),
    security: securityOf(p),
  };
}

/**
 * The security context the CIS checks read (ADR 0052), folded over the pod's containers (init containers
 * too: they run with the same privileges). A container runs as root unless it (or the pod) sets
 * runAsNonRoot or a non-zero runAsUser; the image's USER is not visible here, so "may run as root" counts.
 */
function securityOf(p: V1Pod): NonNullable<SnapshotPod['security']> {
  const spec = p.spec;
  const pod = spec?.securityContext;
  const containers = [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])];
  const runAsRoot = containers.some((c) => {
    const user = c.securityContext?.runAsUser ?? pod?.runAsUser;
    const nonRoot = c.securityContext?.runAsNonRoot ?? pod?.runAsNonRoot;
    return user === 0 || (user === undefined && nonRoot !== true);
  });
  return {
    privileged: containers.some((c) => c.securityContext?.privileged === true),
    // Kubernetes allows escalation unless a container sets it false (or it is privileged, which implies it).
    allowPrivilegeEscalation: containers.some(
      (c) => c.securityContext?.allowPrivilegeEscalation !== false || c.securityContext?.privileged === true,
    ),
    runAsRoot,
    hostNetwork: spec?.hostNetwork === true,
    hostPID: spec?.hostPID === true,
    hostIPC: spec?.hostIPC === true,
    serviceAccountName: (spec?.serviceAccountName ?? 'default').slice(0, 253),
    // Unset means mounted (unless the service account opts out, which the pod spec does not show).
    automountServiceAccountToken: spec?.automountServiceAccountToken !== false,
  };
}

type Requirements = { key: string; operator: string; values?: string[] }[] | undefined;
const requirementsOf = (expressions: Requirements) =>
  (expressions ?? []).slice(0, 20).map((r) => ({
    key: r.key,
    operator: r.operator,
    ...(r.values?.length ? { values: r.values.slice(0, 100) } : {}),
  }));
const selectorOf = (
  s: { matchLabels?: Record<string, string>; matchExpressions?: Requirements } | undefined,
) => ({
  ...(s?.matchLabels ? { matchLabels: s.matchLabels } : {}),
  ...(s?.matchExpressions?.length ? { matchExpressions: requirementsOf(s.matchExpressions) } : {}),
});

/**
 * Node affinity, required pod anti-affinity and topology spread, for the bin-packing plan (issue 18).
 * Only set when the pod declares them, so snapshots of unconstrained pods are unchanged.
 */
function schedulingConstraintsOf(p: V1Pod): Pick<SnapshotPod, 'affinity' | 'topologySpreadConstraints'> {
  const node = p.spec?.affinity?.nodeAffinity;
  const required = node?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  const preferred = node?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
  const anti = p.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
  const spread = p.spec?.topologySpreadConstraints ?? [];
  const affinity: NonNullable<SnapshotPod['affinity']> = {
    ...(required.length || preferred.length
      ? {
          nodeAffinity: {
            ...(required.length
              ? {
                  required: required
                    .slice(0, 20)
                    .map((t) => ({ matchExpressions: requirementsOf(t.matchExpressions) })),
                }
              : {}),
            ...(preferred.length
              ? {
                  preferred: preferred.slice(0, 20).map((t) => ({
                    weight: t.weight,
                    preference: { matchExpressions: requirementsOf(t.preference.matchExpressions) },
                  })),
                }
              : {}),
          },
        }
      : {}),
    ...(anti.length
      ? {
          podAntiAffinity: anti
            .slice(0, 20)
            .map((t) => ({ topologyKey: t.topologyKey, labelSelector: selectorOf(t.labelSelector) })),
        }
      : {}),
  };
  return {
    ...(Object.keys(affinity).length > 0 ? { affinity } : {}),
    ...(spread.length
      ? {
          topologySpreadConstraints: spread.slice(0, 20).map((t) => ({
            maxSkew: t.maxSkew,
            topologyKey: t.topologyKey,
            whenUnsatisfiable: t.whenUnsatisfiable,
            labelSelector: selectorOf(t.labelSelector),
          })),
        }
      : {}),
  };
}

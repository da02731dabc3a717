import { z } from 'zod';

/**
 * What the product knows of one Kubernetes cluster at one instant: produced by the agentless collector
 * (Lambda with @kubernetes/client-node), by the in-cluster agent, and by the sandbox clusters, all
 * through the same ingestion route. Quantities are normalized: CPU in millicores, memory in MiB,
 * extended resources (e.g. `nvidia.com/gpu`) in milli-units.
 */
/**
 * Upper bounds far above any real node or pod (the largest EC2 instance has 448 vCPU and 24 TiB), so a
 * corrupt or hostile snapshot is refused with a message instead of overflowing the savings engine.
 */
const maxCpuMilli = 10_000_000;
const maxMemoryMiB = 100_000_000;
const maxResourceUnits = 1_000_000_000;
const cpuMilliSchema = z
  .number()
  .nonnegative()
  .max(maxCpuMilli, `CPU is in millicores and at most ${maxCpuMilli.toLocaleString('en-US')}.`);
const memoryMiBSchema = z
  .number()
  .nonnegative()
  .max(maxMemoryMiB, `Memory is in MiB and at most ${maxMemoryMiB.toLocaleString('en-US')}.`);

/**
 * Kubernetes names (DNS-1123: at most 253 characters; namespaces 63) and kinds. They become parts of item
 * keys (a workload is `namespace/kind/name`, a node its name), which DynamoDB caps at 1,024 bytes, so a
 * name no cluster can have is refused here with a message instead of failing the write.
 */
const k8sNamePattern = /^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/;
const k8sNameRule =
  'is a Kubernetes name: letters, digits, ".", "-" and "_", starting and ending with a letter or digit.';
const objectNameSchema = z
  .string()
  .max(253, 'A Kubernetes name is at most 253 characters.')
  .regex(k8sNamePattern, `A name ${k8sNameRule}`);
const namespaceSchema = z
  .string()
  .max(63, 'A namespace is at most 63 characters.')
  .regex(k8sNamePattern, `A namespace ${k8sNameRule}`);
const kindSchema = z
  .string()
  .max(63, 'A kind is at most 63 characters.')
  .regex(/^[A-Za-z][A-Za-z0-9]*$/, 'A kind is one word of letters and digits, such as Deployment.');
/** Other names and references: bounded, so a snapshot cannot carry a 100,000-character one. */
const boundedName = z.string().max(253, 'A Kubernetes name is at most 253 characters.');

const quantities = z.object({
  cpuMilli: cpuMilliSchema,
  memoryMiB: memoryMiBSchema,
  resources: z.record(z.string(), z.number().nonnegative().max(maxResourceUnits)).default({}),
});

export const taintSchema = z.object({
  key: z.string(),
  value: z.string().optional(),
  effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']),
});

export const snapshotNodeSchema = z.object({
  name: objectNameSchema,
  instanceId: z.string().nullable(),
  instanceType: boundedName,
  capacityType: z.enum(['on-demand', 'spot']),
  zone: boundedName,
  nodeGroup: boundedName.nullable(),
  allocatable: quantities.extend({ pods: z.number().int().nonnegative().max(10_000) }),
  labels: z.record(z.string(), z.string()).default({}),
  /**
   * The Node object's annotations the optimizer reads (`karpenter.sh/do-not-disrupt` and the like, the
   * same prefixes a pod's keep); none from older collectors and agents.
   */
  annotations: z.record(z.string(), z.string()).default({}),
  taints: z.array(taintSchema).default([]),
  /** Condition type -> status, e.g. { Ready: 'True', MemoryPressure: 'False' }. */
  conditions: z.record(z.string(), z.enum(['True', 'False', 'Unknown'])).default({}),
  usage: z.object({ cpuMilli: cpuMilliSchema, memoryMiB: memoryMiBSchema }).nullable(),
  createdAt: z.string(),
});

export const snapshotContainerSchema = z.object({
  name: boundedName,
  requests: quantities,
  limits: quantities.partial().default({}),
  usage: z.object({ cpuMilli: cpuMilliSchema, memoryMiB: memoryMiBSchema }).nullable(),
  restarts: z.number().int().nonnegative().default(0),
  lastTerminationReason: z.string().nullable().default(null),
});

/**
 * Scheduling constraints as the pod spec declares them (operators and keys kept as text: the packer reads
 * the ones it models and says which it ignores). Optional: older collectors and agents send none.
 */
const snapshotRequirementSchema = z.object({
  key: z.string().max(317),
  operator: z.string().max(32),
  values: z.array(z.string().max(317)).max(100).optional(),
});
const snapshotLabelSelectorSchema = z.object({
  matchLabels: z.record(z.string(), z.string()).optional(),
  matchExpressions: z.array(snapshotRequirementSchema).max(20).optional(),
});
const snapshotTermSchema = z.object({
  matchExpressions: z.array(snapshotRequirementSchema).max(20).default([]),
});
export const snapshotAffinitySchema = z.object({
  nodeAffinity: z
    .object({
      required: z.array(snapshotTermSchema).max(20).optional(),
      preferred: z
        .array(z.object({ weight: z.number().int().min(1).max(100), preference: snapshotTermSchema }))
        .max(20)
        .optional(),
    })
    .optional(),
  /** requiredDuringSchedulingIgnoredDuringExecution terms only (the preferred ones cost nothing to ignore). */
  podAntiAffinity: z
    .array(
      z.object({ topologyKey: z.string().max(317), labelSelector: snapshotLabelSelectorSchema.default({}) }),
    )
    .max(20)
    .optional(),
});
export const snapshotTopologySpreadSchema = z.object({
  maxSkew: z.number().int().positive(),
  topologyKey: z.string().max(317),
  whenUnsatisfiable: z.string().max(32).default('DoNotSchedule'),
  labelSelector: snapshotLabelSelectorSchema.default({}),
});

/**
 * What the CIS EKS benchmark's pod rules read (issue 17, ADR 0052), folded over the pod's containers:
 * `privileged` / `allowPrivilegeEscalation` if any container has it; `runAsRoot` if any container may run
 * as UID 0 (runAsUser 0, or neither runAsNonRoot nor a non-zero runAsUser at pod or container level);
 * `automountServiceAccountToken` as the pod spec says (Kubernetes mounts the token when unset).
 * Optional: collectors older than this field send none, and the rules then say "not collected".
 */
export const snapshotPodSecuritySchema = z.object({
  privileged: z.boolean(),
  allowPrivilegeEscalation: z.boolean().default(false),
  runAsRoot: z.boolean(),
  hostNetwork: z.boolean(),
  hostPID: z.boolean(),
  hostIPC: z.boolean().default(false),
  serviceAccountName: boundedName.default('default'),
  automountServiceAccountToken: z.boolean(),
});
export type SnapshotPodSecurity = z.infer<typeof snapshotPodSecuritySchema>;

export const snapshotPodSchema = z.object({
  namespace: namespaceSchema,
  name: objectNameSchema,
  nodeName: objectNameSchema.nullable(),
  phase: z.enum(['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown']),
  /** The top-level controller (a ReplicaSet resolved to its Deployment), with its desired replicas. */
  owner: z
    .object({
      kind: kindSchema,
      name: objectNameSchema,
      replicas: z.number().int().nonnegative().nullable(),
    })
    .nullable(),
  qosClass: z.enum(['Guaranteed', 'Burstable', 'BestEffort']),
  containers: z.array(snapshotContainerSchema).min(1),
  pvcNames: z.array(boundedName).default([]),
  labels: z.record(z.string(), z.string()).default({}),
  annotations: z.record(z.string(), z.string()).default({}),
  nodeSelector: z.record(z.string(), z.string()).default({}),
  tolerations: z
    .array(
      z.object({
        key: z.string().optional(),
        operator: z.string().optional(),
        value: z.string().optional(),
        effect: z.string().optional(),
      }),
    )
    .default([]),
  affinity: snapshotAffinitySchema.optional(),
  topologySpreadConstraints: z.array(snapshotTopologySpreadSchema).max(20).optional(),
  security: snapshotPodSecuritySchema.optional(),
});

export const snapshotPdbSchema = z.object({
  namespace: boundedName,
  name: boundedName,
  matchLabels: z.record(z.string(), z.string()),
  disruptionsAllowed: z.number().int().nonnegative(),
});

export const snapshotHpaSchema = z.object({
  namespace: namespaceSchema,
  name: boundedName,
  target: z.object({ kind: kindSchema, name: objectNameSchema }),
  /** The resources it scales on: rightsizing leaves these alone. */
  metrics: z.array(z.enum(['cpu', 'memory', 'custom'])),
  minReplicas: z.number().int().nonnegative(),
  maxReplicas: z.number().int().positive(),
});

export const snapshotEventSchema = z.object({
  reason: z.enum([
    'DiskPressure',
    'MemoryPressure',
    'PIDPressure',
    'OOMKilled',
    'SpotInterruption',
    'NodeNotReady',
  ]),
  objectKind: z.enum(['Node', 'Pod']),
  objectName: boundedName,
  namespace: boundedName.nullable(),
  at: z.string(),
  count: z.number().int().positive().default(1),
});

export const clusterSnapshotSchema = z.object({
  schemaVersion: z.literal(1),
  clusterName: boundedName,
  /** ISO 8601 with a zone (`2026-12-04T10:00:00Z`). */
  capturedAt: z.iso.datetime({
    offset: true,
    message: 'Send capturedAt as an ISO 8601 time, e.g. 2026-12-04T10:00:00Z.',
  }),
  kubernetesVersion: z.string().max(64, 'A Kubernetes version is at most 64 characters.'),
  source: z.enum(['agentless', 'agent', 'sandbox']),
  nodes: z.array(snapshotNodeSchema),
  pods: z.array(snapshotPodSchema),
  pdbs: z.array(snapshotPdbSchema).default([]),
  hpas: z.array(snapshotHpaSchema).default([]),
  events: z.array(snapshotEventSchema).default([]),
  controlPlane: z.object({
    /** p99 latency of API requests over the sampling window, milliseconds. */
    latencyP99Ms: z.number().nonnegative(),
    requestsPerMinute: z.number().nonnegative(),
    /**
     * Share (0-1) of the API requests of the same window that failed: answered 5xx or 429 (the server
     * unable or unwilling to serve) or not answered at all (connection refused, reset, timed out). A
     * 401/403/404 is an answer about access or an API not installed, not a control-plane failure. Absent
     * from agents older than the field: the health score then leaves the factor out (ADR 0086).
     */
    errorRatio: z.number().min(0).max(1).optional(),
  }),
  /**
   * The optional lists the API server refused (HTTP 403) while this snapshot was read, as ClusterRole
   * resources (`events`, `deployments.apps`): the snapshot holds none of them, and the cluster's collection
   * names them (ADR 0070). Absent when every list was allowed, and from agents older than the field.
   */
  deniedLists: z
    .array(z.string().min(1).max(128, 'A resource name is at most 128 characters.'))
    .max(20)
    .optional(),
});

export type ClusterSnapshot = z.infer<typeof clusterSnapshotSchema>;
export type SnapshotNode = z.infer<typeof snapshotNodeSchema>;
export type SnapshotPod = z.infer<typeof snapshotPodSchema>;

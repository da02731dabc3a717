import type {
  ClusterComplianceResponse,
  ComplianceFinding,
  ComplianceObject,
  ComplianceRuleId,
} from '../model/cluster-detail';
import type { SnapshotPodSecurity } from '../model/cluster-snapshot';

/**
 * A subset of the CIS Amazon EKS Benchmark (v1.5.0) evaluated on what the last snapshot says of the
 * cluster's workloads (ADR 0052). Pure: the caller passes the workloads as stored from the snapshot.
 * A rule whose inputs the collector did not send is "not evaluated", never "pass".
 */

export const cisBenchmark = 'CIS Amazon EKS Benchmark v1.5.0';

/** The security-relevant facts of one workload (all its pods folded), as kept on its item. */
export interface WorkloadSecurity {
  privileged: boolean;
  allowPrivilegeEscalation: boolean;
  runAsRoot: boolean;
  hostNetwork: boolean;
  hostPID: boolean;
  hostIPC: boolean;
  /** The service account of its pods (the first pod's when they differ, which a template never does). */
  serviceAccountName: string;
  automountServiceAccountToken: boolean;
}

export interface ComplianceWorkload {
  namespace: string;
  kind: string;
  name: string;
  replicas: number;
  /** `null` when the collector sent no security context (an older agent). */
  security: WorkloadSecurity | null;
  /** Sums of declared limits; `null` when a container declares none. */
  limitCpuMilli: number | null;
  limitMemoryMiB: number | null;
}

export interface ComplianceInput {
  workloads: readonly ComplianceWorkload[];
  /** EKS `endpointPublicAccess`; `null` when discovery has not read it. */
  endpointPublicAccess: boolean | null;
  /** The CIDRs allowed to reach a public endpoint (`0.0.0.0/0` = anyone). */
  publicAccessCidrs: readonly string[];
  evaluatedAt: string | null;
}

/**
 * Folds the pods of one workload: a flag is set when any pod has it (one privileged replica is a
 * privileged workload). `null` when any pod lacks the security context: a partial fold would pass a rule
 * on pods nobody looked at.
 */
export function workloadSecurityOf(
  pods: readonly { security?: SnapshotPodSecurity | null }[],
): WorkloadSecurity | null {
  if (pods.length === 0 || pods.some((p) => !p.security)) return null;
  const all = pods.map((p) => p.security as SnapshotPodSecurity);
  const any = (k: keyof SnapshotPodSecurity) => all.some((s) => s[k] === true);
  return {
    privileged: any('privileged'),
    allowPrivilegeEscalation: any('allowPrivilegeEscalation'),
    runAsRoot: any('runAsRoot'),
    hostNetwork: any('hostNetwork'),
    hostPID: any('hostPID'),
    hostIPC: any('hostIPC'),
    serviceAccountName: all[0]?.serviceAccountName ?? 'default',
    automountServiceAccountToken: any('automountServiceAccountToken'),
  };
}

interface PodRule {
  ruleId: ComplianceRuleId;
  benchmark: string;
  title: string;
  severity: ComplianceFinding['severity'];
  /** True when the workload violates the rule; reads `security` (absent = not collected). */
  violates: (w: ComplianceWorkload, s: WorkloadSecurity) => boolean;
  needsSecurity: boolean;
  found: (podCount: number, objectCount: number) => string;
  fix: string;
}

const pods = (n: number) => `${n} pod${n === 1 ? '' : 's'}`;
const objects = (n: number) => `${n} workload${n === 1 ? '' : 's'}`;

/** The pod-level rules, in the benchmark's order. */
export const podRules: readonly PodRule[] = [
  {
    ruleId: '4.1.5',
    benchmark: cisBenchmark,
    title: 'Default service accounts are not actively used',
    severity: 'medium',
    needsSecurity: true,
    violates: (_w, s) => s.serviceAccountName === 'default' && s.automountServiceAccountToken,
    found: (p, o) => `${pods(p)} of ${objects(o)} run as the default service account with its token mounted.`,
    fix: 'Give each workload its own service account, or set automountServiceAccountToken: false.',
  },
  {
    ruleId: '4.2.1',
    benchmark: cisBenchmark,
    title: 'Minimize the admission of privileged containers',
    severity: 'high',
    needsSecurity: true,
    violates: (_w, s) => s.privileged,
    found: (p, o) => `Privileged containers in ${pods(p)} of ${objects(o)}.`,
    fix: 'Drop securityContext.privileged, or enforce the baseline Pod Security Standard on the namespace.',
  },
  {
    ruleId: '4.2.2',
    benchmark: cisBenchmark,
    title: 'Minimize the admission of containers wishing to share the host process ID namespace',
    severity: 'high',
    needsSecurity: true,
    violates: (_w, s) => s.hostPID,
    found: (p, o) => `hostPID in ${pods(p)} of ${objects(o)}.`,
    fix: 'Remove hostPID: true from the pod spec.',
  },
  {
    ruleId: '4.2.3',
    benchmark: cisBenchmark,
    title: 'Minimize the admission of containers wishing to share the host IPC namespace',
    severity: 'high',
    needsSecurity: true,
    violates: (_w, s) => s.hostIPC,
    found: (p, o) => `hostIPC in ${pods(p)} of ${objects(o)}.`,
    fix: 'Remove hostIPC: true from the pod spec.',
  },
  {
    ruleId: '4.2.4',
    benchmark: cisBenchmark,
    title: 'Minimize the admission of containers wishing to share the host network namespace',
    severity: 'high',
    needsSecurity: true,
    violates: (_w, s) => s.hostNetwork,
    found: (p, o) => `hostNetwork in ${pods(p)} of ${objects(o)}.`,
    fix: 'Remove hostNetwork: true; expose the pod through a Service instead.',
  },
  {
    ruleId: '4.2.5',
    benchmark: cisBenchmark,
    title: 'Minimize the admission of containers with allowPrivilegeEscalation',
    severity: 'medium',
    needsSecurity: true,
    violates: (_w, s) => s.allowPrivilegeEscalation,
    found: (p, o) => `allowPrivilegeEscalation in ${pods(p)} of ${objects(o)}.`,
    fix: 'Set securityContext.allowPrivilegeEscalation: false on every container.',
  },
  {
    ruleId: '4.2.6',
    benchmark: cisBenchmark,
    title: 'Minimize the admission of root containers',
    severity: 'high',
    needsSecurity: true,
    violates: (_w, s) => s.runAsRoot,
    found: (p, o) => `Root access enabled on ${pods(p)} of ${objects(o)}.`,
    fix: 'Set runAsNonRoot: true and a non-zero runAsUser.',
  },
  {
    // CIS has no rule for resource limits; the EKS Best Practices Guide does (reliability).
    ruleId: 'EKS-BP-REL-LIMITS',
    benchmark: 'Amazon EKS Best Practices Guide (not a CIS rule)',
    title: 'Containers declare CPU and memory limits',
    severity: 'low',
    needsSecurity: false,
    violates: (w) => w.limitCpuMilli === null || w.limitMemoryMiB === null,
    found: (p, o) => `${pods(p)} of ${objects(o)} have a container without a CPU or memory limit.`,
    fix: 'Declare limits (or a LimitRange per namespace) so one pod cannot starve its node.',
  },
];

const objectOf = (w: ComplianceWorkload): ComplianceObject => ({
  kind: w.kind,
  namespace: w.namespace,
  name: w.name,
  podCount: w.replicas,
});

const byName = (a: ComplianceObject, b: ComplianceObject) =>
  `${a.namespace}/${a.kind}/${a.name}`.localeCompare(`${b.namespace}/${b.kind}/${b.name}`);

function evaluatePodRule(rule: PodRule, workloads: readonly ComplianceWorkload[]): ComplianceFinding {
  const base = { ruleId: rule.ruleId, benchmark: rule.benchmark, title: rule.title, severity: rule.severity };
  const checkable = rule.needsSecurity ? workloads.filter((w) => w.security !== null) : workloads;
  const unchecked = workloads.length - checkable.length;
  const failing = checkable
    .filter((w) => rule.violates(w, w.security as WorkloadSecurity))
    .map(objectOf)
    .sort(byName);
  const podCount = failing.reduce((n, o) => n + o.podCount, 0);
  if (failing.length > 0)
    return {
      ...base,
      status: 'fail',
      message: `${rule.found(podCount, failing.length)} ${rule.fix}`,
      objects: failing,
      podCount,
    };
  if (workloads.length > 0 && checkable.length === 0)
    return {
      ...base,
      status: 'not-evaluated',
      message:
        'The collector sent no security context for these pods: upgrade the agent (or the agentless collector) and wait for the next snapshot.',
      objects: [],
      podCount: 0,
    };
  return {
    ...base,
    status: 'pass',
    message:
      unchecked > 0
        ? `No violation in the ${objects(checkable.length)} checked; ${objects(unchecked)} sent no security context.`
        : `No violation in ${objects(checkable.length)}.`,
    objects: [],
    podCount: 0,
  };
}

const endpointRule = {
  ruleId: '5.4.2',
  benchmark: cisBenchmark,
  title: 'Ensure clusters are created with Private Endpoint Enabled and Public Access Disabled',
  severity: 'medium',
} as const;

function evaluateEndpoint(input: ComplianceInput): ComplianceFinding {
  const base = endpointRule;
  const cluster: ComplianceObject = { kind: 'Cluster', namespace: null, name: 'API endpoint', podCount: 0 };
  if (input.endpointPublicAccess === null)
    return {
      ...base,
      status: 'not-evaluated',
      message:
        'The endpoint access of this cluster is not known yet: rescan the account (discovery reads it with eks:DescribeCluster).',
      objects: [],
      podCount: 0,
    };
  if (!input.endpointPublicAccess)
    return { ...base, status: 'pass', message: 'The API endpoint is private.', objects: [], podCount: 0 };
  const open = input.publicAccessCidrs.length === 0 || input.publicAccessCidrs.includes('0.0.0.0/0');
  return {
    ...base,
    status: 'fail',
    message: open
      ? 'The API endpoint is public and reachable from anywhere (0.0.0.0/0). Turn on private access and turn off public access, or at least restrict publicAccessCidrs.'
      : `The API endpoint is public (allowed from ${input.publicAccessCidrs.join(', ')}). Turn on private access and turn off public access.`,
    objects: [cluster],
    podCount: 0,
  };
}

/** Evaluates every rule; the summary counts rules (not objects) by status. */
export function evaluateCompliance(clusterId: string, input: ComplianceInput): ClusterComplianceResponse {
  const findings = [...podRules.map((r) => evaluatePodRule(r, input.workloads)), evaluateEndpoint(input)];
  const count = (s: ComplianceFinding['status']) => findings.filter((f) => f.status === s).length;
  return {
    clusterId,
    evaluatedAt: input.evaluatedAt,
    findings,
    summary: {
      failed: count('fail'),
      passed: count('pass'),
      notEvaluated: count('not-evaluated'),
      compliant: count('fail') === 0,
    },
  };
}

/**
 * What a failing rule found, in the words of its finding's message (without the fix), from its counts:
 * the registry's shield says it from the counts it keeps (ADR 0068). `null` for an id no rule has.
 */
export function failingRuleText(
  ruleId: string,
  objectCount: number,
  podCount: number,
): { label: string; title: string; found: string } | null {
  const rule = ruleId === endpointRule.ruleId ? endpointRule : podRules.find((r) => r.ruleId === ruleId);
  if (!rule) return null;
  return {
    // "CIS 4.2.1", or the id alone for a rule from another guide (the tab shows the benchmark beside it).
    label: rule.benchmark === cisBenchmark ? `CIS ${rule.ruleId}` : rule.ruleId,
    title: rule.title,
    found: 'found' in rule ? rule.found(podCount, objectCount) : 'The API endpoint is public.',
  };
}

import { type AgentExemptions, exemptionOf } from '../model/agent-command';
import type { Policy } from '../model/policy';
import type {
  PlannedWorkloadPatch,
  SkippedWorkload,
  WorkloadPatchState,
  WorkloadRef,
} from '../model/workload-patch';
import { activeSpotRuleFields, type SpotRule, spotRuleFields } from '../policy/spot-rule-fields';
import { CPU_FLOOR_MILLI, MEMORY_FLOOR_MIB } from './rightsizing';

/**
 * The plan of the optimizer's workload patches (issue 14, ADR 0043), pure:
 *
 * - which workloads: Deployments and StatefulSets not exempt (namespace, label selector, or the inventory's
 *   own "unmanaged" reason) and not rolled out by the optimizer within {@link rolloutWindowMs};
 * - rightsizing (policy mode `automatic` only): when the recommendation's monthly saving clears the severity
 *   threshold, requests per replica = the recommendation, never below it nor below the engine's floors
 *   (10 m CPU, 64 MiB); a resource an HPA scales on keeps its request (moving it moves the HPA's target);
 *   a declared limit keeps its ratio to the request (what VPA does), a missing limit is never added;
 * - spot rules: the pod template fields of every rule the policy turns on (the policy page's
 *   `spotRuleFields`), force/prefer spot only for spot-ready workloads, the zone spread only from 2 replicas;
 * - one patch per workload (one rollout) carrying both.
 *
 * And the rollback decision of a rollout from the OOM kills and restarts seen since the patch.
 */

/** At most one rollout by the optimizer per workload in this window. */
export const rolloutWindowMs = 24 * 3_600_000;
/** How long after a resizing patch its workload is watched for OOM kills and restarts. */
export const rolloutWatchMs = 30 * 60_000;

export const patchableKinds = ['Deployment', 'StatefulSet'] as const;
export type PatchableKind = (typeof patchableKinds)[number];

/** One workload as the planner reads it: the stored inventory, per replica. */
export interface PatchCandidate extends WorkloadRef {
  replicas: number;
  labels: Readonly<Record<string, string>>;
  /** The inventory's own exemption reason at the last snapshot (`null`: managed). */
  unmanagedReason: string | null;
  hpaScaledResources: readonly ('cpu' | 'memory')[];
  spotReady: boolean;
  /** Per replica, all containers. */
  requestCpuMilli: number;
  requestMemoryMiB: number;
  limitCpuMilli: number | null;
  limitMemoryMiB: number | null;
  /** The savings engine's recommendation per replica (`null` without usage). */
  rightsizing: {
    recommendedCpuMilli: number;
    recommendedMemoryMiB: number;
    monthlySavingUsd: number;
  } | null;
  /** When the optimizer last rolled it out (ISO), `null`: never. */
  lastRolloutAt: string | null;
  /** The scheduling fields the optimizer's last patch wrote (`null`: none), to skip a patch that changes nothing. */
  appliedScheduling: Readonly<Record<string, unknown>> | null;
}

export interface PatchPolicy {
  rightsizing: Pick<Policy['workload']['rightsizing'], 'mode' | 'severityThresholdUsdPerMonth'>;
  spotRules: Policy['workload']['spotRules'];
  exemptions: AgentExemptions;
}

export interface WorkloadPatchPlan {
  patches: PlannedWorkloadPatch[];
  skipped: SkippedWorkload[];
  monthlySavingUsd: number;
}

export const patchPolicyOf = (policy: Policy): PatchPolicy => ({
  rightsizing: policy.workload.rightsizing,
  spotRules: policy.workload.spotRules,
  exemptions: {
    namespaces: policy.governance.excludedNamespaces,
    labels: policy.governance.excludedLabelSelectors,
  },
});

/** The floor a resized request never goes below: the recommendation and the engine's minimum. */
export const requestFloorOf = (recommended: number, floor: number) => Math.ceil(Math.max(recommended, floor));

/** A limit scaled with its request (same ratio), never below the new request; `null` stays `null`. */
function scaledLimit(limit: number | null, before: number, after: number): number | null {
  if (limit === null) return null;
  if (before <= 0) return Math.max(limit, after);
  return Math.max(after, Math.ceil((limit * after) / before));
}

/** The scheduling fields of the rules the policy turns on that apply to this workload, merged. */
export function schedulingOf(
  w: Pick<PatchCandidate, 'spotReady' | 'replicas' | 'labels' | 'name'>,
  spotRules: PatchPolicy['spotRules'],
): { rules: SpotRule[]; scheduling: Record<string, unknown> | null } {
  const applicable = activeSpotRuleFields(spotRules).filter((f) => {
    if (f.rule === 'forceSpot' || f.rule === 'preferSpot') return w.spotReady;
    if (f.rule === 'enforceMultiAzSpread') return w.replicas >= 2;
    return true;
  });
  if (applicable.length === 0) return { rules: [], scheduling: null };
  const label = w.labels.app
    ? `app: ${w.labels.app}`
    : `app.kubernetes.io/name: ${w.labels['app.kubernetes.io/name'] ?? w.name}`;
  const nodeAffinity: Record<string, unknown> = {};
  const out: Record<string, unknown> = {};
  for (const f of applicable) {
    const fields = f.rule === 'enforceMultiAzSpread' ? spotRuleFields(f.rule, label).podSpec : f.podSpec;
    if (fields.nodeSelector) out.nodeSelector = fields.nodeSelector;
    if (fields.topologySpreadConstraints) out.topologySpreadConstraints = fields.topologySpreadConstraints;
    const affinity = fields.affinity as { nodeAffinity?: Record<string, unknown> } | undefined;
    if (affinity?.nodeAffinity) Object.assign(nodeAffinity, affinity.nodeAffinity);
  }
  // Prefer spot and block burstable both write nodeAffinity: one object holds both terms.
  if (Object.keys(nodeAffinity).length > 0) out.affinity = { nodeAffinity };
  return { rules: applicable.map((f) => f.rule), scheduling: out };
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function skip(w: WorkloadRef, reason: SkippedWorkload['reason'], message: string): SkippedWorkload {
  return { workload: { namespace: w.namespace, kind: w.kind, name: w.name }, reason, message };
}

/** The resized requests and limits of a workload, or why it keeps them. */
function resizeOf(
  w: PatchCandidate,
  policy: PatchPolicy,
): { after: WorkloadPatchState; saving: number } | SkippedWorkload | null {
  const r = policy.rightsizing;
  if (r.mode !== 'automatic') return null;
  if (!w.rightsizing) return skip(w, 'no-recommendation', 'No usage recorded yet: nothing to resize from.');
  if (w.rightsizing.monthlySavingUsd <= r.severityThresholdUsdPerMonth)
    return skip(
      w,
      'below-threshold',
      `The recommendation saves ${w.rightsizing.monthlySavingUsd.toFixed(2)} USD/month, not above the severity threshold of ${r.severityThresholdUsdPerMonth} USD/month.`,
    );
  const cpuHpa = w.hpaScaledResources.includes('cpu');
  const memHpa = w.hpaScaledResources.includes('memory');
  const cpu = cpuHpa ? w.requestCpuMilli : requestFloorOf(w.rightsizing.recommendedCpuMilli, CPU_FLOOR_MILLI);
  const mem = memHpa
    ? w.requestMemoryMiB
    : requestFloorOf(w.rightsizing.recommendedMemoryMiB, MEMORY_FLOOR_MIB);
  const changed = cpu !== w.requestCpuMilli || mem !== w.requestMemoryMiB;
  if (!changed)
    return cpuHpa || memHpa
      ? skip(
          w,
          'hpa-scaled',
          `An HPA scales it on ${w.hpaScaledResources.join(' and ')}: that request stays.`,
        )
      : null;
  return {
    saving: w.rightsizing.monthlySavingUsd,
    after: {
      requests: { cpuMilli: cpu, memoryMiB: mem },
      limits: {
        cpuMilli: scaledLimit(w.limitCpuMilli, w.requestCpuMilli, cpu),
        memoryMiB: scaledLimit(w.limitMemoryMiB, w.requestMemoryMiB, mem),
      },
      scheduling: null,
    },
  };
}

/** The patches of a cluster's workloads under its policy at `now` (see the module comment). */
export function planWorkloadPatches(
  candidates: readonly PatchCandidate[],
  policy: PatchPolicy,
  now: Date,
): WorkloadPatchPlan {
  const patches: PlannedWorkloadPatch[] = [];
  const skipped: SkippedWorkload[] = [];
  for (const w of candidates) {
    if (!(patchableKinds as readonly string[]).includes(w.kind)) continue;
    const exempt =
      exemptionOf(policy.exemptions, { namespace: w.namespace, labels: w.labels }) ?? w.unmanagedReason;
    if (exempt) {
      skipped.push(skip(w, 'exempt', exempt));
      continue;
    }
    const resize = resizeOf(w, policy);
    const spot = schedulingOf(w, policy.spotRules);
    const spotChanges = spot.scheduling !== null && !sameJson(spot.scheduling, w.appliedScheduling);
    const resizes = resize !== null && !('reason' in resize);
    if (!resizes && !spotChanges) {
      if (resize && 'reason' in resize) skipped.push(resize);
      continue;
    }
    const last = w.lastRolloutAt ? Date.parse(w.lastRolloutAt) : null;
    if (last !== null && now.getTime() - last < rolloutWindowMs) {
      skipped.push(
        skip(
          w,
          'rolled-out-recently',
          `The optimizer rolled it out at ${w.lastRolloutAt}: at most one rollout per workload every ${rolloutWindowMs / 3_600_000} hours.`,
        ),
      );
      continue;
    }
    const before: WorkloadPatchState = {
      requests: { cpuMilli: w.requestCpuMilli, memoryMiB: w.requestMemoryMiB },
      limits: { cpuMilli: w.limitCpuMilli, memoryMiB: w.limitMemoryMiB },
      scheduling: w.appliedScheduling ? { ...w.appliedScheduling } : null,
    };
    const after: WorkloadPatchState = {
      requests: resizes ? resize.after.requests : before.requests,
      limits: resizes ? resize.after.limits : before.limits,
      scheduling: spotChanges ? spot.scheduling : before.scheduling,
    };
    patches.push({
      workload: { namespace: w.namespace, kind: w.kind, name: w.name },
      kind: resizes ? 'rightsize-workload' : 'spot-rules-workload',
      replicas: w.replicas,
      resizes,
      rules: spotChanges ? spot.rules : [],
      before,
      after,
      monthlySavingUsd: resizes ? resize.saving : 0,
    });
  }
  patches.sort((a, b) => b.monthlySavingUsd - a.monthlySavingUsd);
  return { patches, skipped, monthlySavingUsd: patches.reduce((s, p) => s + p.monthlySavingUsd, 0) };
}

// ------------------------------------------------------------------------------------ containers

/** A container of the live pod template, per replica. */
export interface LiveContainer {
  name: string;
  requestCpuMilli: number;
  requestMemoryMiB: number;
  limitCpuMilli: number | null;
  limitMemoryMiB: number | null;
}

export interface ContainerPatch {
  name: string;
  requests: { cpuMilli?: number; memoryMiB?: number };
  limits: { cpuMilli?: number; memoryMiB?: number };
}

/**
 * The pod total split over the live containers in proportion to their current requests (evenly where the
 * workload requests none): each container's share rounded up, so the sum never falls below the total.
 * Limits scale with each container's request; a container without a limit gets none.
 */
function split(total: number, shares: readonly number[]): number[] {
  const sum = shares.reduce((s, x) => s + x, 0);
  return shares.map((x) => Math.max(1, Math.ceil(sum > 0 ? (total * x) / sum : total / shares.length)));
}

export function containerPatchesOf(
  containers: readonly LiveContainer[],
  after: WorkloadPatchState['requests'],
  resize: { cpu: boolean; memory: boolean },
): ContainerPatch[] {
  if (containers.length === 0 || (!resize.cpu && !resize.memory)) return [];
  const cpu = split(
    after.cpuMilli,
    containers.map((c) => c.requestCpuMilli),
  );
  const mem = split(
    after.memoryMiB,
    containers.map((c) => c.requestMemoryMiB),
  );
  return containers.map((c, i) => {
    const cpuAfter = cpu[i] ?? 1;
    const memAfter = mem[i] ?? 1;
    const requests: ContainerPatch['requests'] = {};
    const limits: ContainerPatch['limits'] = {};
    if (resize.cpu) {
      requests.cpuMilli = cpuAfter;
      const l = scaledLimit(c.limitCpuMilli, c.requestCpuMilli, cpuAfter);
      if (l !== null) limits.cpuMilli = l;
    }
    if (resize.memory) {
      requests.memoryMiB = memAfter;
      const l = scaledLimit(c.limitMemoryMiB, c.requestMemoryMiB, memAfter);
      if (l !== null) limits.memoryMiB = l;
    }
    return { name: c.name, requests, limits };
  });
}

/** The patch that puts the containers back as they were (the rollback): only what a resize changed. */
export function containerRestoreOf(
  containers: readonly LiveContainer[],
  resize: { cpu: boolean; memory: boolean },
): ContainerPatch[] {
  return containers.map((c) => {
    const requests: ContainerPatch['requests'] = {};
    const limits: ContainerPatch['limits'] = {};
    if (resize.cpu && c.requestCpuMilli > 0) requests.cpuMilli = Math.ceil(c.requestCpuMilli);
    if (resize.cpu && c.limitCpuMilli !== null) limits.cpuMilli = Math.ceil(c.limitCpuMilli);
    if (resize.memory && c.requestMemoryMiB > 0) requests.memoryMiB = Math.ceil(c.requestMemoryMiB);
    if (resize.memory && c.limitMemoryMiB !== null) limits.memoryMiB = Math.ceil(c.limitMemoryMiB);
    return { name: c.name, requests, limits };
  });
}

// -------------------------------------------------------------------------------------- rollback

export interface RolloutCounts {
  oomKills: number;
  restarts: number;
}

/**
 * The baseline a rollout is compared with over its watch: the workload's OOM kills per watch window over
 * the stored look-back (`oomKills` per day, `days` days), rounded up, so a workload that never ran out of
 * memory has 0 and any OOM kill after the patch is a rise. The product records a workload's restarts only
 * as its OOM kills, so the restarts baseline is the same figure.
 */
export function rolloutBaseline(dailyOomKills: readonly number[], watchMs = rolloutWatchMs): RolloutCounts {
  const days = dailyOomKills.length;
  const total = dailyOomKills.reduce((s, x) => s + x, 0);
  const perWatch = days === 0 ? 0 : Math.ceil((total * watchMs) / (days * 24 * 3_600_000));
  return { oomKills: perWatch, restarts: perWatch };
}

export interface RollbackDecision {
  rollback: boolean;
  /** In words, for the action's result. */
  reason: string | null;
}

/** Roll back when the OOM kills or the restarts since the patch rose above the baseline. */
export function rollbackDecision(baseline: RolloutCounts, observed: RolloutCounts): RollbackDecision {
  const rises: string[] = [];
  if (observed.oomKills > baseline.oomKills)
    rises.push(`${observed.oomKills} OOM kill(s) since the patch (baseline ${baseline.oomKills})`);
  if (observed.restarts > baseline.restarts)
    rises.push(`${observed.restarts} restart(s) since the patch (baseline ${baseline.restarts})`);
  return rises.length > 0 ? { rollback: true, reason: rises.join(', ') } : { rollback: false, reason: null };
}

/**
 * What a live snapshot shows of a workload since its patch: restarts of its pods (a pod that existed before
 * the patch counts only its restarts beyond what it had then) and OOMKilled events of its pods at or after
 * the patch.
 */
export function observedSincePatch(
  pods: readonly { name: string; restarts: number }[],
  restartsBefore: Readonly<Record<string, number>>,
  oomEvents: readonly { objectName: string; at: string }[],
  patchedAt: string,
): RolloutCounts {
  const names = new Set(pods.map((p) => p.name));
  const restarts = pods.reduce((s, p) => s + Math.max(0, p.restarts - (restartsBefore[p.name] ?? 0)), 0);
  const oomKills = oomEvents.filter((e) => names.has(e.objectName) && e.at >= patchedAt).length;
  return { oomKills, restarts };
}

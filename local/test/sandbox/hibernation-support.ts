/**
 * An in-memory cluster for replaying hibernation through the product's run code (`runHibernation`,
 * `wakeCluster`, `sleepCluster`, `armAfterSave`) against the sandbox cloud: the run store is memory instead
 * of DynamoDB, the scheduler port keeps the one armed `at()` instead of EventBridge Scheduler.
 */

import { nodeGroupsOf } from '@spot/functions/domain/discovery/discover-region';
import type { StoredRuntime, StoredSchedule } from '@spot/functions/domain/hibernation';
import {
  type HibernationRunStore,
  RevisionConflict,
  type RunInputs,
} from '@spot/functions/domain/hibernation-run';
import type { CloudTarget } from '@spot/functions/ports/cloud';
import type { SchedulerPort, ScheduleSpec } from '@spot/functions/ports/index';
import type { DateOverride } from '@spot/shared';
import type { SandboxCloud } from '../../src/sandbox/cloud';

export const orgId = 'org-sim';
export const clusterId = 'cluster-sim';

/** The armed schedule as EventBridge Scheduler would hold it: one `at()` per name, in UTC here. */
export class MemoryScheduler implements SchedulerPort {
  readonly armed = new Map<string, number>();
  async upsertSchedule(spec: ScheduleSpec): Promise<void> {
    const at = /^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$/.exec(spec.expression)?.[1];
    if (!at || spec.timeZone !== 'UTC')
      throw new Error(`unexpected schedule ${spec.expression} ${spec.timeZone}`);
    this.armed.set(spec.name, Date.parse(`${at}Z`));
  }
  async deleteSchedule(name: string): Promise<void> {
    this.armed.delete(name);
  }
}

/** The run store in memory, with the same revision condition as the DynamoDB one. */
export class MemoryRunStore implements HibernationRunStore {
  stored: StoredSchedule | undefined;
  overrides: DateOverride[] = [];
  runtime: StoredRuntime | undefined;
  systemRuns = 0;
  constructor(private readonly inputs: Omit<RunInputs, 'stored' | 'overrides' | 'runtime'>) {}
  async load(): Promise<RunInputs> {
    return structuredClone({
      ...this.inputs,
      stored: this.stored,
      overrides: this.overrides,
      runtime: this.runtime,
    });
  }
  async saveRuntime(runtime: StoredRuntime, previousRevision: number | null): Promise<void> {
    if ((this.runtime?.revision ?? null) !== previousRevision) throw new RevisionConflict();
    this.runtime = structuredClone(runtime);
  }
  async auditSystemRun(): Promise<void> {
    this.systemRuns++;
  }
  /** The optimizer's minimum records are not simulated (no group here has one). */
  async minimumsWritten(): Promise<void> {}
  /** The simulation runs no consolidation. */
  async stopConsolidation() {
    return null;
  }
}

/** The run inputs of one sandbox cluster, with its node groups as discovery records them. */
export async function runInputsOf(
  cloud: SandboxCloud,
  target: CloudTarget,
  clusterName: string,
): Promise<Omit<RunInputs, 'stored' | 'overrides' | 'runtime'>> {
  const [clusters, nodegroups, asgs, instances] = await Promise.all([
    cloud.listEksClusters(target),
    cloud.listNodegroups(target, clusterName),
    cloud.describeAutoScalingGroups(target),
    cloud.describeInstances(target),
  ]);
  const eks = clusters.find((c) => c.name === clusterName);
  if (!eks) throw new Error(`no cluster ${clusterName}`);
  const sandboxCluster = cloud.world.clusters.find((c) => c.name === clusterName);
  const groups = nodeGroupsOf(eks, nodegroups, asgs, instances).map((g) => ({
    ...g,
    orgId,
    clusterId,
    accountId: 'account-sim',
  }));
  return {
    cluster: {
      clusterId,
      name: clusterName,
      accountId: 'account-sim',
      region: target.region,
      timeZone: sandboxCluster?.timeZone ?? 'UTC',
      arn: eks.arn,
      endpoint: eks.endpoint,
    },
    target,
    nodeGroups: groups,
    nodes: [],
  };
}

import { ConflictError } from '@spot/shared';
import {
  type ConsolidationHibernationBlock,
  consolidationHibernationBlock,
} from '@spot/shared/hibernation/consolidation-guard';
import { planClusterConsolidation } from './consolidation';
import { readRuntime } from './hibernation';

/**
 * Hibernation holds consolidation back (issue 14, ADR 0084): checked with maintenance mode when a run starts, when
 * the schedule fires and right before each node step, on the runtime record hibernation writes (read
 * consistently: a sleep that just finished counts).
 */
export class ClusterHibernatingError extends ConflictError {
  constructor(clusterId: string, block: NonNullable<ConsolidationHibernationBlock>) {
    super('CLUSTER_HIBERNATING', block.message, {
      details: { clusterId, phase: block.phase, since: block.since },
    });
    this.name = 'ClusterHibernatingError';
  }
}

/** Why hibernation holds a consolidation run back now, or `null`. */
export async function hibernationBlockOf(orgId: string, clusterId: string, now: Date) {
  return consolidationHibernationBlock(await readRuntime(orgId, clusterId, true), now);
}

/** For the steps that act: throws {@link ClusterHibernatingError} while hibernation holds the run back. */
export async function assertNotHibernating(orgId: string, clusterId: string, now: Date): Promise<void> {
  const block = await hibernationBlockOf(orgId, clusterId, now);
  if (block) throw new ClusterHibernatingError(clusterId, block);
}

/**
 * The dry run: the plan as it stands, with a note when hibernation would hold a run back (the plan is
 * still worth reading; a run started now would answer 409).
 */
export async function previewConsolidation(orgId: string, clusterId: string, now: Date) {
  const [plan, block] = await Promise.all([
    planClusterConsolidation(orgId, clusterId, now),
    hibernationBlockOf(orgId, clusterId, now),
  ]);
  if (!block) return plan;
  return { ...plan, notes: [...plan.notes, `${block.message} A run would not act until then.`] };
}

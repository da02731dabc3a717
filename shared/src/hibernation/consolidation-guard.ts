/**
 * Whether hibernation keeps the optimizer's consolidation off a cluster (issue 14, ADR 0084). A sleeping cluster
 * keeps only the nodes of its critical pods and its wake restores the sizes the sleep recorded: a
 * consolidation run acting then could lower the minimum of a group kept awake and terminate one of those
 * nodes, and the wake would take that group for one changed by hand and leave it. So a run does not act
 * while the cluster is asleep (which includes a wake not finished yet: the records stay until it restored
 * them) or while a hibernation run is due (its sleep or wake may be scaling the groups right now).
 */

/** What hibernation stored about the cluster (its runtime record), as far as this decision needs it. */
export interface HibernationRuntimeFacts {
  actual: 'running' | 'sleeping';
  sleepPeriods: readonly { from: string; to: string | null }[];
  lastRunAt: string;
  /** When the armed hibernation run fires next (`null`: none armed). */
  nextRunAt: string | null;
}

/**
 * A hibernation run fires within a minute of its due time and writes the runtime when it is done: a
 * `nextRunAt` passed by less than this is a transition in progress; past it the record is stale (the
 * schedule was switched off since, for one) and holds nothing back.
 */
export const hibernationTransitionWindowMs = 10 * 60_000;

export type ConsolidationHibernationBlock = {
  phase: 'asleep' | 'transition';
  /** Since when: the sleep's start, or the transition's due time. */
  since: string;
  message: string;
} | null;

/** `null`: hibernation does not hold consolidation back; else why, in words a person reads. */
export function consolidationHibernationBlock(
  runtime: HibernationRuntimeFacts | null | undefined,
  now: Date,
): ConsolidationHibernationBlock {
  if (!runtime) return null;
  if (runtime.actual === 'sleeping') {
    const since = runtime.sleepPeriods.findLast((p) => p.to === null)?.from ?? runtime.lastRunAt;
    return {
      phase: 'asleep',
      since,
      message: `The cluster is hibernating (asleep since ${since}); consolidation resumes after it wakes.`,
    };
  }
  if (runtime.nextRunAt !== null) {
    const dueMs = Date.parse(runtime.nextRunAt);
    const late = now.getTime() - dueMs;
    if (late >= 0 && late < hibernationTransitionWindowMs) {
      return {
        phase: 'transition',
        since: runtime.nextRunAt,
        message: `A hibernation transition of the cluster is in progress (due at ${runtime.nextRunAt}); consolidation resumes once it has finished and the cluster is awake.`,
      };
    }
  }
  return null;
}

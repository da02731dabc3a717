import { savingsPods } from '../snapshot-model';
import { combineSavings } from '../summary';
import { capacityOf } from './capacity';
import { pricedNodesOf, workloadDescriber } from './common';
import { efficiencyOf } from './efficiency';
import { historyOf } from './idle';
import { nodeGroupFiguresOf } from './node-groups';
import {
  clusterUnitPrices,
  rightsizeWorkloads,
  rightsizingSectionOf,
  workloadRightsizing,
} from './rightsizing';
import { fleetComposition, runRateOf, unpricedNote } from './run-rate';
import { spotReadinessOf, spotSavingsOf, spotSectionOf, workloadSpotStates } from './spot';
import { recentStability, stabilityOf } from './stability';
import { type SummaryInput, summarySchemaVersion } from './types';
import { unmanagedOf } from './unmanaged';

export type { CompactGrid } from './idle';
export * from './types';

/**
 * The precomputed summary of one cluster, stored on its Cluster item after every snapshot so the dashboard
 * reads one item: run rate, efficiency, spot readiness and savings, the idle-hour grid and hibernation
 * savings, stability, rightsizing, the bin-packing estimate and the combined (non-overlapping) savings.
 * Every figure comes from one section module of this folder, each feeding one formula of
 * `shared/src/savings`; this function only composes them. Pure: the clock is `input.now`.
 */
export function computeClusterSummary(input: SummaryInput) {
  const { model, live, now } = input;
  const snapshot = model.snapshot;
  const describe = workloadDescriber(model);

  const priced = pricedNodesOf(model);
  const unpricedNodes = model.nodes.length - priced.length;
  const runRate = runRateOf(priced);
  const capacity = capacityOf(model);
  const { efficiency, note: efficiencyNote } = efficiencyOf(priced, model.nodes.length);

  const pods = savingsPods(model);
  const readiness = spotReadinessOf(model, pods, input.policy.exemptions);
  const spotSavings = spotSavingsOf(model, live, readiness, pods);
  const { figures: workloadFigures, blockers } = workloadSpotStates(model, readiness);
  const spot = spotSectionOf(model, readiness, spotSavings, blockers, describe);

  const history = historyOf(input.history, input.timeZone, runRate.hourlyCostUsd, now);
  const idle = history.idle;
  const stabilityFigures = stabilityOf(model, live, history.window);
  // Daily values of the last 7 days, from the rollups when they were read (once an hour), else kept.
  const historyWindow = history.rollups
    ? {
        ...history.window,
        recent: recentStability(history.rollups, now, stabilityFigures.spot.meanSpotMonthlyProbability),
      }
    : history.window;
  const stability = { ...stabilityFigures, recent: historyWindow.recent ?? [] };

  const { report, workloadCount } = rightsizeWorkloads(
    model.workloads,
    input.usage,
    input.policy,
    clusterUnitPrices(priced),
  );
  for (const [key, rightsizing] of workloadRightsizing(report)) {
    const figures = workloadFigures.get(key);
    if (figures) figures.rightsizing = rightsizing;
  }
  const rightsizing = rightsizingSectionOf(report, workloadCount, input.policy.rightsizing, describe);
  const unmanaged = unmanagedOf(model, input.policy.exemptions);
  for (const [key, reason] of unmanaged.reasons) {
    const figures = workloadFigures.get(key);
    if (figures) figures.unmanagedReason = reason;
  }

  const combined = combineSavings({
    monthlyRunRateUsd: runRate.monthlyRunRateUsd,
    hibernationMonthlyUsd: idle?.monthlyHibernationSavingsUsd ?? 0,
    binPackingMonthlyUsd: input.binPacking?.monthlySavingUsd ?? 0,
    spotMonthlyUsd: spot.monthlySavingUsd,
    rightsizingMonthlyUsd: rightsizing.monthlySavingUsd,
  });

  const notes = [unpricedNote(unpricedNodes, model.region), efficiencyNote, history.note].filter(
    (n): n is string => n !== null,
  );
  const summary = {
    schemaVersion: summarySchemaVersion,
    computedAt: now.toISOString(),
    snapshotAt: snapshot.capturedAt,
    source: snapshot.source,
    kubernetesVersion: snapshot.kubernetesVersion,
    capacity,
    cost: {
      hourlyCostUsd: runRate.hourlyCostUsd,
      monthlyRunRateUsd: runRate.monthlyRunRateUsd,
      bySource: runRate.bySource,
      oldestCatalogAsOf: runRate.oldestCatalogAsOf,
      unpricedNodes,
    },
    fleet: fleetComposition(model.nodes),
    efficiency,
    spot,
    idle,
    stability,
    rightsizing,
    binPacking: input.binPacking,
    unmanaged: unmanaged.section,
    savings: combined,
    controlPlane: snapshot.controlPlane,
    historyWindow,
    notes,
  };
  return {
    summary,
    workloadFigures,
    nodeGroupFigures: nodeGroupFiguresOf(model, readiness),
    monthlyRunRateUsd: runRate.monthlyRunRateUsd,
  };
}

export type ClusterSummary = ReturnType<typeof computeClusterSummary>['summary'];

import { describe, expect, it } from 'vitest';
import { pricedNodesOf, workloadDescriber } from '../../../src/savings/cluster-summary/common';
import {
  clusterUnitPrices,
  containerUsageOf,
  rightsizeWorkloads,
  rightsizingSectionOf,
  workloadRightsizing,
} from '../../../src/savings/cluster-summary/rightsizing';
import { defaultSummaryPolicy, type WorkloadUsage } from '../../../src/savings/cluster-summary/types';
import { unitPricesFromNodes } from '../../../src/savings/cost';
import { smallModel } from './support';

const model = smallModel();
const web = model.workloads.find((w) => w.key === 'shop#Deployment#web');
const usage: WorkloadUsage = {
  days: [
    { cpuP95Milli: 40, memoryPeakMiB: 300, oomKills: 2 },
    { cpuP95Milli: 60, memoryPeakMiB: 320, oomKills: 0 },
  ],
  todayCpuMilli: [50, 55],
  todayMemoryPeakMiB: 310,
  todayOomKills: 1,
};

describe('containerUsageOf', () => {
  it('is one container per replica: requests / replicas, daily samples then today’s, one record per OOM kill', () => {
    expect(web && containerUsageOf(web, usage)).toEqual({
      namespace: 'shop',
      workload: 'shop#Deployment#web',
      container: '*',
      replicas: 2,
      cpuRequestMilli: 500,
      memoryRequestMiB: 1000,
      cpuUsageMilli: [40, 60, 50, 55],
      memoryWorkingSetMiB: [300, 320, 310],
      // No memory limit: the request stands in for it.
      oomKills: [{ memoryAtKillMiB: 1000 }, { memoryAtKillMiB: 1000 }, { memoryAtKillMiB: 1000 }],
      hpaScaledResources: ['cpu'],
    });
  });

  it('without stored usage, takes the snapshot’s usage per replica', () => {
    expect(web && containerUsageOf(web, undefined)).toMatchObject({
      cpuUsageMilli: [150],
      memoryWorkingSetMiB: [550],
      oomKills: [],
    });
  });
});

describe('rightsizing of the workloads', () => {
  const unit = clusterUnitPrices(pricedNodesOf(model));

  it('prices at the cluster’s unit prices over its priced nodes', () => {
    expect(unit).toEqual(
      unitPricesFromNodes(
        model.nodes.map((n) => ({
          hourlyPriceUsd: n.price.hourlyPriceUsd ?? 0,
          allocatableCpuMilli: n.allocatableCpuMilli,
          allocatableMemoryMiB: n.allocatableMemoryMiB,
        })),
      ),
    );
  });

  it('skips exempted namespaces; gives figures only to workloads with samples', () => {
    const all = rightsizeWorkloads(model.workloads, new Map(), defaultSummaryPolicy, unit);
    expect(all.workloadCount).toBe(4);
    const exempt = rightsizeWorkloads(
      model.workloads,
      new Map(),
      { ...defaultSummaryPolicy, exemptions: { namespaces: ['kube-system', 'db'], labels: [] } },
      unit,
    );
    expect(exempt.workloadCount).toBe(2);
    const figures = workloadRightsizing(all.report);
    // api (pending, no usage) and db (no metrics) have no samples.
    expect([...figures.keys()].sort()).toEqual(['shop#Deployment#web']);
    // web is HPA-scaled on CPU: its CPU request stays.
    expect(figures.get('shop#Deployment#web')).toMatchObject({ recommendedCpuMilli: 500 });
  });

  it('the section totals the report and lists the largest apply savings first', () => {
    const { report, workloadCount } = rightsizeWorkloads(
      model.workloads,
      new Map(),
      defaultSummaryPolicy,
      unit,
    );
    const section = rightsizingSectionOf(
      report,
      workloadCount,
      defaultSummaryPolicy.rightsizing,
      workloadDescriber(model),
    );
    expect(section).toMatchObject({
      monthlySavingUsd: report.monthlySavingUsd,
      applyCount: report.applyCount,
      belowThresholdCount: report.belowThresholdCount,
      workloadCount: 4,
      headroomPercent: defaultSummaryPolicy.rightsizing.headroomPercent,
      severityThresholdMonthlyUsd: defaultSummaryPolicy.rightsizing.severityThresholdMonthlyUsd,
    });
    const savings = section.top.map((t) => t.monthlySavingUsd);
    expect(savings).toEqual([...savings].sort((a, b) => b - a));
    expect(section.top.length).toBe(report.applyCount);
  });
});

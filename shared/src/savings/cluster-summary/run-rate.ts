import type { CapacityType } from '../cluster';
import { monthlyRunRate, type PriceSource, type RunRate } from '../cost';
import { instanceFamily } from '../node-pricing';
import type { ModelNode } from '../snapshot-model';
import type { PricedNode } from './common';

/**
 * The run rate of the priced nodes (`monthlyRunRate`: sum of hourly prices, USD/h, x 730 per month), with
 * the count of unpriced nodes, which are flagged in the summary's notes instead of priced at $0.
 */
export function runRateOf(priced: readonly PricedNode[]): RunRate {
  return monthlyRunRate(
    priced.map((n) => ({
      hourlyPriceUsd: n.price.hourlyPriceUsd,
      source: n.price.priceSource as PriceSource,
      ...(n.price.catalogAsOf ? { catalogAsOf: n.price.catalogAsOf } : {}),
    })),
  );
}

/** The note a summary carries when nodes have no price (`null` when every node has one). */
export function unpricedNote(unpricedNodes: number, region: string): string | null {
  return unpricedNodes > 0
    ? `${unpricedNodes} node(s) have an instance type with no live or catalog price in ${region}; they are not in the run rate.`
    : null;
}

export interface CapacityTypeShare {
  nodes: number;
  cpuMilli: number;
  hourlyCostUsd: number;
}

export interface FamilyShare {
  capacityType: CapacityType;
  family: string;
  nodes: number;
  hourlyCostUsd: number;
}

export interface InstanceTypeShare extends FamilyShare {
  instanceType: string;
}

export interface FleetComposition {
  byCapacityType: Record<CapacityType, CapacityTypeShare>;
  /** Dearest first. */
  byFamily: FamilyShare[];
  /** The sunburst's outer ring (capacity type -> family -> instance type), dearest first. */
  byInstanceType: InstanceTypeShare[];
}

/**
 * The fleet by capacity type, by capacity type and family, and by capacity type and instance type: node
 * counts, allocatable millicores (per capacity type) and hourly cost (USD/h, unpriced nodes count 0), so
 * each breakdown's costs add up to the run rate's hourly cost.
 */
export function fleetComposition(nodes: readonly ModelNode[]): FleetComposition {
  const byCapacityType: Record<CapacityType, CapacityTypeShare> = {
    'on-demand': { nodes: 0, cpuMilli: 0, hourlyCostUsd: 0 },
    spot: { nodes: 0, cpuMilli: 0, hourlyCostUsd: 0 },
  };
  const byFamily = new Map<string, FamilyShare>();
  const byInstanceType = new Map<string, InstanceTypeShare>();
  for (const n of nodes) {
    const c = byCapacityType[n.capacityType];
    c.nodes += 1;
    c.cpuMilli += n.allocatableCpuMilli;
    c.hourlyCostUsd += n.price.hourlyPriceUsd ?? 0;
    const family = instanceFamily(n.instanceType);
    const key = `${n.capacityType}/${family}`;
    const f = byFamily.get(key) ?? { capacityType: n.capacityType, family, nodes: 0, hourlyCostUsd: 0 };
    f.nodes += 1;
    f.hourlyCostUsd += n.price.hourlyPriceUsd ?? 0;
    byFamily.set(key, f);
    const typeKey = `${n.capacityType}/${n.instanceType}`;
    const t = byInstanceType.get(typeKey) ?? {
      capacityType: n.capacityType,
      family,
      instanceType: n.instanceType,
      nodes: 0,
      hourlyCostUsd: 0,
    };
    t.nodes += 1;
    t.hourlyCostUsd += n.price.hourlyPriceUsd ?? 0;
    byInstanceType.set(typeKey, t);
  }
  return {
    byCapacityType,
    byFamily: [...byFamily.values()].sort((a, b) => b.hourlyCostUsd - a.hourlyCostUsd),
    byInstanceType: [...byInstanceType.values()].sort((a, b) => b.hourlyCostUsd - a.hourlyCostUsd),
  };
}

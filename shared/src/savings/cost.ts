import { z } from 'zod';
import type { CapacityType } from './cluster';
import { SavingsError } from './errors';

/** Hours in a billing month as AWS prices it (8,760 h / 12). Every monthly figure is hourly x 730. */
export const HOURS_PER_MONTH = 730;

/**
 * Memory-to-CPU unit price ratio used to split a node's hourly price into a per-vCPU-hour and a per-GiB-hour
 * price: price(GiB-h) = ratio x price(vCPU-h). 0.1 is the least-squares fit of us-east-1 on-demand Linux
 * prices of c5/m5/r5, c6i/m6i/r6i, c7i/m7i/r7i `.large` (Karpenter's generated table, 2026-07):
 * $0.0356 per vCPU-h and $0.00352 per GiB-h, ratio 0.099.
 */
export const DEFAULT_MEMORY_TO_CPU_PRICE_RATIO = 0.1;

export const priceSources = ['live-on-demand', 'live-spot', 'catalog'] as const;
export const priceSourceSchema = z.enum(priceSources);
export type PriceSource = z.infer<typeof priceSourceSchema>;

/** A node's hourly price and where it came from; `catalogAsOf` (ISO date) is required for catalog prices. */
export const nodePriceSchema = z
  .object({
    hourlyPriceUsd: z.number().nonnegative().finite(),
    source: priceSourceSchema,
    catalogAsOf: z.string().min(1).optional(),
  })
  .refine((p) => p.source !== 'catalog' || p.catalogAsOf !== undefined, {
    message: 'A catalog price must say its date (catalogAsOf).',
    path: ['catalogAsOf'],
  });
export type NodePrice = z.infer<typeof nodePriceSchema>;

export interface NodePriceCandidates {
  capacityType: CapacityType;
  /** Live on-demand price of the node's type in its region, USD/h (Pricing API), when known. */
  liveOnDemandHourlyPriceUsd?: number | null | undefined;
  /** Live spot price of the node's type in its AZ, USD/h (spot price history), when known. */
  liveSpotHourlyPriceUsd?: number | null | undefined;
  /** Catalog fallback for the node's capacity type (on-demand price, or spot estimate), with its date. */
  catalog?: { hourlyPriceUsd: number; asOf: string } | null | undefined;
}

/**
 * Node hourly price (USD/h) = the live price for the node's capacity type (on-demand price for on-demand
 * nodes, current spot price for spot nodes); the catalog price, labelled with its date, only when the live
 * price is unknown. Throws `SAVINGS_PRICE_UNKNOWN` when neither exists: a node is never priced at 0 silently.
 */
export function resolveNodeHourlyPrice(candidates: NodePriceCandidates): NodePrice {
  const live =
    candidates.capacityType === 'spot'
      ? candidates.liveSpotHourlyPriceUsd
      : candidates.liveOnDemandHourlyPriceUsd;
  if (live !== null && live !== undefined) {
    return {
      hourlyPriceUsd: live,
      source: candidates.capacityType === 'spot' ? 'live-spot' : 'live-on-demand',
    };
  }
  if (candidates.catalog) {
    return {
      hourlyPriceUsd: candidates.catalog.hourlyPriceUsd,
      source: 'catalog',
      catalogAsOf: candidates.catalog.asOf,
    };
  }
  throw new SavingsError(
    'SAVINGS_PRICE_UNKNOWN',
    `No live or catalog ${candidates.capacityType} price is known for this node; add its instance type to the catalog.`,
  );
}

/** Hourly USD -> monthly USD: x 730. */
export function toMonthlyUsd(hourlyUsd: number): number {
  return hourlyUsd * HOURS_PER_MONTH;
}

export interface RunRate {
  nodeCount: number;
  /** Sum of node hourly prices, USD/h. */
  hourlyCostUsd: number;
  /** hourlyCostUsd x 730, USD/month. */
  monthlyRunRateUsd: number;
  /** Nodes and USD/h per price source, so a screen can say how much of the figure is a catalog estimate. */
  bySource: Record<PriceSource, { nodeCount: number; hourlyCostUsd: number }>;
  /** Oldest catalog date among catalog-priced nodes (ISO), `null` when none used the catalog. */
  oldestCatalogAsOf: string | null;
}

/**
 * Monthly run rate (USD/month) = sum over nodes of node hourly price (USD/h) x 730.
 */
export function monthlyRunRate(nodes: readonly NodePrice[]): RunRate {
  const bySource: RunRate['bySource'] = {
    'live-on-demand': { nodeCount: 0, hourlyCostUsd: 0 },
    'live-spot': { nodeCount: 0, hourlyCostUsd: 0 },
    catalog: { nodeCount: 0, hourlyCostUsd: 0 },
  };
  let hourlyCostUsd = 0;
  let oldestCatalogAsOf: string | null = null;
  for (const node of nodes) {
    hourlyCostUsd += node.hourlyPriceUsd;
    bySource[node.source].nodeCount += 1;
    bySource[node.source].hourlyCostUsd += node.hourlyPriceUsd;
    if (node.source === 'catalog' && node.catalogAsOf !== undefined) {
      if (oldestCatalogAsOf === null || node.catalogAsOf < oldestCatalogAsOf)
        oldestCatalogAsOf = node.catalogAsOf;
    }
  }
  return {
    nodeCount: nodes.length,
    hourlyCostUsd,
    monthlyRunRateUsd: toMonthlyUsd(hourlyCostUsd),
    bySource,
    oldestCatalogAsOf,
  };
}

/** Price of one vCPU-hour and one GiB-hour of a node's (or a cluster's) allocatable capacity, USD. */
export interface UnitPrices {
  cpuCoreHourlyUsd: number;
  memoryGiBHourlyUsd: number;
}

export interface PricedCapacity {
  hourlyPriceUsd: number;
  allocatableCpuMilli: number;
  allocatableMemoryMiB: number;
}

/**
 * Splits node prices into unit prices so that cores x cpuCoreHourlyUsd + GiB x memoryGiBHourlyUsd equals
 * the price exactly:
 *   cpuCoreHourlyUsd   = sum(price) / sum(cores + ratio x GiB)   (USD per vCPU-hour)
 *   memoryGiBHourlyUsd = ratio x cpuCoreHourlyUsd                 (USD per GiB-hour)
 * over the allocatable capacity of `nodes` (one node gives that node's unit prices; a whole cluster gives
 * its blended unit prices). `ratio` defaults to `DEFAULT_MEMORY_TO_CPU_PRICE_RATIO` (0.1).
 * Returns zeros for an empty list.
 */
export function unitPricesFromNodes(
  nodes: readonly PricedCapacity[],
  memoryToCpuPriceRatio = DEFAULT_MEMORY_TO_CPU_PRICE_RATIO,
): UnitPrices {
  let price = 0;
  let units = 0;
  for (const n of nodes) {
    price += n.hourlyPriceUsd;
    units += n.allocatableCpuMilli / 1000 + (memoryToCpuPriceRatio * n.allocatableMemoryMiB) / 1024;
  }
  if (units <= 0) return { cpuCoreHourlyUsd: 0, memoryGiBHourlyUsd: 0 };
  const cpuCoreHourlyUsd = price / units;
  return { cpuCoreHourlyUsd, memoryGiBHourlyUsd: memoryToCpuPriceRatio * cpuCoreHourlyUsd };
}

/**
 * Hourly cost (USD/h) of a request at given unit prices:
 *   cpuMilli / 1000 x cpuCoreHourlyUsd + memoryMiB / 1024 x memoryGiBHourlyUsd.
 */
export function requestHourlyCostUsd(cpuMilli: number, memoryMiB: number, prices: UnitPrices): number {
  return (cpuMilli / 1000) * prices.cpuCoreHourlyUsd + (memoryMiB / 1024) * prices.memoryGiBHourlyUsd;
}

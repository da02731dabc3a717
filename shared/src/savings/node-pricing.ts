import { loadCatalog } from '../pricing/catalog';
import type { CapacityType } from './cluster';
import { resolveNodeHourlyPrice } from './cost';
import { SavingsError } from './errors';

/**
 * Prices for inventory: the live price of a node's type (Pricing API on-demand, spot price history in its
 * AZ) first, the dated catalog only where the live price is unknown (`resolveNodeHourlyPrice`), and
 * `unknown` when neither exists: such a node is counted and flagged, never priced at $0.
 */

/** Live prices of one region, as discovery fetched them (USD/h). */
export interface LivePrices {
  /** Instance type -> on-demand Linux price. */
  onDemand: Record<string, number>;
  /** `<instanceType>|<availabilityZone>` -> latest spot price. */
  spot: Record<string, number>;
  /** Instance type -> recent spot prices (all AZs), oldest first. */
  spotHistory: Record<string, number[]>;
}

export const noLivePrices: LivePrices = { onDemand: {}, spot: {}, spotHistory: {} };

export type PriceSourceName = 'live-on-demand' | 'live-spot' | 'catalog' | 'unknown';

/** A node's hourly price (USD/h), `null` with source `unknown` when neither a live nor a catalog price exists. */
export interface ResolvedNodePrice {
  hourlyPriceUsd: number | null;
  priceSource: PriceSourceName;
  catalogAsOf?: string;
}

/** One point of EC2 spot price history (USD/h). */
export interface SpotPricePoint {
  instanceType: string;
  availabilityZone: string;
  priceUsdPerHour: number;
  timestamp: string;
}

/** Spot history kept per type: 48 points are enough for the volatility of the interruption model. */
export const spotHistoryPoints = 48;

/**
 * The spot half of `LivePrices` from raw price history: per `<type>|<AZ>` the price of the latest point,
 * per type its last `spotHistoryPoints` prices (all AZs) oldest first. USD/h throughout.
 */
export function spotPricesOf(history: readonly SpotPricePoint[]): Pick<LivePrices, 'spot' | 'spotHistory'> {
  const latest = new Map<string, { at: string; price: number }>();
  const byType = new Map<string, { at: string; price: number }[]>();
  for (const point of history) {
    const key = `${point.instanceType}|${point.availabilityZone}`;
    const seen = latest.get(key);
    if (!seen || seen.at < point.timestamp)
      latest.set(key, { at: point.timestamp, price: point.priceUsdPerHour });
    const list = byType.get(point.instanceType) ?? [];
    list.push({ at: point.timestamp, price: point.priceUsdPerHour });
    byType.set(point.instanceType, list);
  }
  const spotHistory: Record<string, number[]> = {};
  for (const [type, points] of byType) {
    spotHistory[type] = points
      .sort((a, b) => a.at.localeCompare(b.at))
      .slice(-spotHistoryPoints)
      .map((p) => p.price);
  }
  return { spot: Object.fromEntries([...latest].map(([k, v]) => [k, v.price])), spotHistory };
}

/** Live spot price of a type in an AZ; in another AZ of the region (their mean) when that AZ has none. */
function liveSpot(live: LivePrices, instanceType: string, zone: string | null): number | undefined {
  if (zone) {
    const exact = live.spot[`${instanceType}|${zone}`];
    if (exact !== undefined) return exact;
  }
  const prefix = `${instanceType}|`;
  const prices = Object.entries(live.spot)
    .filter(([k]) => k.startsWith(prefix))
    .map(([, v]) => v);
  return prices.length ? prices.reduce((a, b) => a + b, 0) / prices.length : undefined;
}

/**
 * The hourly price of a node (USD/h) and where it came from: the live price of its capacity type (spot: its
 * AZ, else the mean over the region's AZs), else the catalog's (spot: the advisor estimate), else unknown.
 */
export function priceNode(
  live: LivePrices,
  region: string,
  node: { instanceType: string; capacityType: CapacityType; zone: string | null },
): ResolvedNodePrice {
  const catalog = loadCatalog();
  const quote =
    node.capacityType === 'spot'
      ? catalog.spotHourlyEstimateUsd(node.instanceType, region)
      : catalog.onDemandHourlyUsd(node.instanceType, region);
  try {
    const price = resolveNodeHourlyPrice({
      capacityType: node.capacityType,
      liveOnDemandHourlyPriceUsd: live.onDemand[node.instanceType],
      liveSpotHourlyPriceUsd: liveSpot(live, node.instanceType, node.zone),
      catalog: quote ? { hourlyPriceUsd: quote.hourlyUsd, asOf: quote.asOf } : null,
    });
    return {
      hourlyPriceUsd: price.hourlyPriceUsd,
      priceSource: price.source,
      ...(price.catalogAsOf ? { catalogAsOf: price.catalogAsOf } : {}),
    };
  } catch (error) {
    if (error instanceof SavingsError) return { hourlyPriceUsd: null, priceSource: 'unknown' };
    throw error;
  }
}

export interface TypePrices {
  onDemandHourlyUsd: number | null;
  /** Live spot price (mean over the region's AZs), else the catalog's advisor estimate. */
  spotHourlyUsd: number | null;
  /** Spot advisor interruption bucket index 0..4, `null` when unknown. */
  interruptionBucket: number | null;
  spotHistory: number[];
}

/** On-demand and spot prices of an instance type in a region, live first (USD/h). */
export function typePrices(live: LivePrices, region: string, instanceType: string): TypePrices {
  const catalog = loadCatalog();
  const estimate = catalog.spotHourlyEstimateUsd(instanceType, region);
  const advisor = catalog.instanceType(instanceType)?.spot[region];
  return {
    onDemandHourlyUsd:
      live.onDemand[instanceType] ?? catalog.onDemandHourlyUsd(instanceType, region)?.hourlyUsd ?? null,
    spotHourlyUsd: liveSpot(live, instanceType, null) ?? estimate?.hourlyUsd ?? null,
    interruptionBucket: advisor?.[1] ?? estimate?.interruptionBucket ?? null,
    spotHistory: live.spotHistory[instanceType] ?? [],
  };
}

/** `m5` of `m5.large`: the family the fleet-composition chart groups by. */
export const instanceFamily = (instanceType: string) => instanceType.split('.')[0] ?? instanceType;

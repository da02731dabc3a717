import { allowedInstanceTypes, type NodeTemplateSpec } from '../model/node-template';
import type { Catalog } from '../pricing/catalog';
import type { CatalogInstanceType } from '../pricing/catalog-types';

/** Hourly prices over the types a template allows in one region, one instance of each type. */
export interface TemplatePriceStats {
  /** Types with a price of this kind in the region (spot can be fewer than on-demand). */
  typeCount: number;
  avgHourlyUsdPerInstance: number;
  minHourlyUsd: number;
  maxHourlyUsd: number;
  /** Sum of the prices over the sum of the vCPUs: the price of a vCPU in a fleet of one of each type. */
  avgHourlyUsdPerVcpu: number;
}

export interface TemplateCostEstimate {
  region: string;
  /** Types the template allows in the region (each has an on-demand price there, by definition). */
  typeCount: number;
  /** Null for spot-only templates, or when no type is priced in the region. */
  onDemand: TemplatePriceStats | null;
  /** Null for on-demand templates, or when no allowed type has a spot price in the region. */
  spot: TemplatePriceStats | null;
  /**
   * `live` when at least one spot figure is a live price; `asOf` is the oldest date among the prices
   * counted, so the figures are at least that fresh.
   */
  priceSource: { kind: 'catalog' | 'live'; asOf: string };
}

export interface TemplateCostOptions {
  /** Live spot prices in the estimate's region, USD per hour by instance type; they win over the catalog. */
  liveSpotHourlyUsd?: Readonly<Record<string, number>>;
  /**
   * Live on-demand prices in the estimate's region (the Pricing API, as discovery read them), USD per hour
   * by instance type. They win over the catalog and price the types the catalog has no price for in this
   * region; a spot figure for such a type is the live on-demand price less the spot advisor's savings
   * for this region. Still this region's prices only.
   */
  liveOnDemandHourlyUsd?: Readonly<Record<string, number>>;
  /** When the live prices were read (ISO 8601); required with them, as the clock is never read here. */
  liveAsOf?: string;
}

/** What the estimator needs of a catalog: types and per-region quotes (the `Catalog` class). */
export type TemplateCostCatalog = Pick<
  Catalog,
  'instanceTypes' | 'metadata' | 'onDemandHourlyUsd' | 'spotHourlyEstimateUsd'
>;

/**
 * The live cost figures of the template form: what an instance of the template costs per hour in
 * `region`, on-demand and/or spot as the capacity type buys. Only prices of `region` are read; a type
 * without one is left out, never priced from another region.
 */
export function estimateTemplateCost(
  spec: Pick<NodeTemplateSpec, 'families' | 'architecture' | 'excludedSizes' | 'capacityType'>,
  catalog: TemplateCostCatalog,
  region: string,
  options: TemplateCostOptions = {},
): TemplateCostEstimate {
  const usable = (usd: number | undefined) =>
    usd !== undefined && Number.isFinite(usd) && usd >= 0 ? usd : undefined;
  const liveOnDemand = (type: CatalogInstanceType) => usable(options.liveOnDemandHourlyUsd?.[type.name]);
  // Allowed in the region: the template allows the type and this region has a price for it.
  const types = allowedInstanceTypes(spec, catalog.instanceTypes).filter(
    (type) => liveOnDemand(type) !== undefined || catalog.onDemandHourlyUsd(type, region) !== undefined,
  );
  const dates: string[] = [];
  let live = false;
  const noteLive = () => {
    live = true;
    if (options.liveAsOf !== undefined) dates.push(options.liveAsOf);
  };

  const onDemandPrices: Priced[] = [];
  if (spec.capacityType !== 'spot') {
    for (const type of types) {
      const livePrice = liveOnDemand(type);
      if (livePrice !== undefined) {
        onDemandPrices.push({ type, hourlyUsd: livePrice });
        noteLive();
        continue;
      }
      const quote = catalog.onDemandHourlyUsd(type, region);
      if (!quote) continue;
      onDemandPrices.push({ type, hourlyUsd: quote.hourlyUsd });
      dates.push(quote.asOf);
    }
  }

  const spotPrices: Priced[] = [];
  if (spec.capacityType !== 'on-demand') {
    for (const type of types) {
      // A live price for a type EC2 never sells as spot can only be an adapter's mistake.
      const livePrice = type.spotSupported ? usable(options.liveSpotHourlyUsd?.[type.name]) : undefined;
      if (livePrice !== undefined) {
        spotPrices.push({ type, hourlyUsd: livePrice });
        noteLive();
        continue;
      }
      const quote = catalog.spotHourlyEstimateUsd(type, region);
      if (quote) {
        spotPrices.push({ type, hourlyUsd: quote.hourlyUsd });
        dates.push(quote.asOf);
        continue;
      }
      // No catalog price here: the region's live on-demand price less the advisor's savings for it.
      const advice = type.spotSupported ? type.spot[region] : undefined;
      const onDemand = liveOnDemand(type);
      if (advice && onDemand !== undefined) {
        spotPrices.push({ type, hourlyUsd: Math.round(onDemand * (1 - advice[0] / 100) * 1e6) / 1e6 });
        noteLive();
      }
    }
  }

  const fallbackAsOf = catalog.metadata.onDemandAsOf[region] ?? catalog.metadata.generatedAt;
  return {
    region,
    typeCount: types.length,
    onDemand: stats(onDemandPrices),
    spot: stats(spotPrices),
    priceSource: {
      kind: live ? 'live' : 'catalog',
      // ISO 8601 strings sort as dates.
      asOf: [...dates].sort()[0] ?? fallbackAsOf,
    },
  };
}

interface Priced {
  type: CatalogInstanceType;
  hourlyUsd: number;
}

function stats(prices: readonly Priced[]): TemplatePriceStats | null {
  if (prices.length === 0) return null;
  let sum = 0;
  let vcpus = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const { type, hourlyUsd } of prices) {
    sum += hourlyUsd;
    vcpus += type.vcpu;
    min = Math.min(min, hourlyUsd);
    max = Math.max(max, hourlyUsd);
  }
  return {
    typeCount: prices.length,
    // Rounding can put the mean of equal prices a hair above them (3 x 0.1 / 3 > 0.1); a mean is never
    // outside its range, so clamp.
    avgHourlyUsdPerInstance: Math.min(max, Math.max(min, sum / prices.length)),
    minHourlyUsd: min,
    maxHourlyUsd: max,
    avgHourlyUsdPerVcpu: vcpus > 0 ? sum / vcpus : 0,
  };
}

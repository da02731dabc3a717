/**
 * Where a price comes from and when. Every price the product shows or computes with carries one, so a
 * screen can say "us-east-1 on-demand, Karpenter's AWS Pricing API table of 2026-07-20" or "live spot
 * price, 5 minutes ago".
 */

/** Kinds of price origin, from most to least authoritative. */
export type PriceOriginKind =
  /** What the customer really pays (Savings Plans, reserved instances), from their billing data. */
  | 'customer-billing'
  /** Fetched live from AWS (Pricing API for on-demand, DescribeSpotPriceHistory for spot). */
  | 'aws-live'
  /** The vendored catalog (`shared/data/catalog.json`): a dated static table. */
  | 'catalog'
  /** Derived from another price, e.g. spot = on-demand x (1 - advisor savings %). */
  | 'estimate';

export interface PriceOrigin {
  readonly kind: PriceOriginKind;
  /** Stable id, e.g. `karpenter-generated-pricing`, `aws-spot-advisor`, `aws-pricing-api`. */
  readonly id: string;
  /** One line a person can read: what the figure is and from where. */
  readonly description: string;
}

/** A price in USD per hour with its origin and the time it describes (ISO 8601 date or date-time). */
export interface PriceQuote {
  readonly hourlyUsd: number;
  readonly source: PriceOrigin;
  readonly asOf: string;
}

export interface SpotPriceQuote extends PriceQuote {
  /**
   * Spot advisor interruption bucket (0 `<5%` ... 4 `>20%`) for the type and region, or undefined when
   * the advisor has no figure (e.g. a live price for a type the advisor does not list).
   */
  readonly interruptionBucket: number | undefined;
}

export type CapacityType = 'on-demand' | 'spot';

/**
 * A port for prices: the catalog implements it (`catalogPriceSource`), and so can the AWS adapter that
 * refreshes live prices. `undefined` means "unknown": callers must show it as unknown, never substitute
 * another region's price.
 */
export interface PriceSource {
  onDemandHourlyUsd(instanceType: string, region: string): PriceQuote | undefined;
  spotHourlyUsd(instanceType: string, region: string): SpotPriceQuote | undefined;
}

/**
 * Prices an adapter has collected, ready to be served through `priceTableSource`. Nested maps are
 * `region -> instance type -> quote`, so an adapter fills exactly what it fetched and nothing else.
 */
export interface PriceTable {
  readonly onDemand: Readonly<Record<string, Readonly<Record<string, PriceQuote>>>>;
  readonly spot: Readonly<Record<string, Readonly<Record<string, SpotPriceQuote>>>>;
}

/** A `PriceSource` over a filled `PriceTable` (e.g. the live prices of one discovery run). */
export function priceTableSource(table: PriceTable): PriceSource {
  return {
    onDemandHourlyUsd: (instanceType, region) => table.onDemand[region]?.[instanceType],
    spotHourlyUsd: (instanceType, region) => table.spot[region]?.[instanceType],
  };
}

/**
 * The first source that knows a price wins: `layeredPriceSource(live, catalog)` uses the catalog only where
 * the live price is unknown (the product's rule for node prices).
 */
export function layeredPriceSource(...layers: readonly PriceSource[]): PriceSource {
  return {
    onDemandHourlyUsd(instanceType, region) {
      for (const layer of layers) {
        const quote = layer.onDemandHourlyUsd(instanceType, region);
        if (quote) return quote;
      }
      return undefined;
    },
    spotHourlyUsd(instanceType, region) {
      for (const layer of layers) {
        const quote = layer.spotHourlyUsd(instanceType, region);
        if (quote) return quote;
      }
      return undefined;
    },
  };
}

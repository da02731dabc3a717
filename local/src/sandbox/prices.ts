/**
 * The sandbox's price book: what its simulated "live" AWS Pricing API and spot price history answer.
 *
 * SIMULATED. The vendored catalog has on-demand prices for us-east-1 only, and the product never assumes
 * another region costs the same. The sandbox therefore plays AWS and publishes its own price list per
 * region: the catalog's us-east-1 price x a fixed regional factor (below, close to the usual ratio of
 * public list prices, but invented for the simulation). Spot prices are the sandbox region's on-demand
 * price x (1 - the Spot Instance Advisor's savings % for that type and region) x a deterministic walk
 * whose volatility grows with the advisor's interruption bucket. Interruptions of spot nodes follow the
 * same bucket (midpoint monthly probability, as `shared/src/savings/interruption.ts` models it).
 */
import { type CatalogInstanceType, loadCatalog } from '@spot/shared/pricing/index';
import { bucketFromIndex, estimateInterruption } from '@spot/shared/savings/interruption';
import { hashString, unit } from './random';

/** Regions enabled by default in every AWS account (no opt-in needed). */
export const defaultEnabledRegions = [
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
  'ca-central-1',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'eu-central-1',
  'eu-north-1',
  'ap-south-1',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-southeast-1',
  'ap-southeast-2',
  'sa-east-1',
] as const;

/** Simulated on-demand price of a region relative to us-east-1 (the sandbox's own price list). */
export const sandboxRegionPriceFactor: Readonly<Record<string, number>> = {
  'us-east-1': 1,
  'us-east-2': 1,
  'us-west-1': 1.17,
  'us-west-2': 1,
  'ca-central-1': 1.1,
  'eu-west-1': 1.11,
  'eu-west-2': 1.16,
  'eu-west-3': 1.17,
  'eu-central-1': 1.15,
  'eu-north-1': 1.06,
  'ap-south-1': 1.05,
  'ap-northeast-1': 1.27,
  'ap-northeast-2': 1.21,
  'ap-northeast-3': 1.27,
  'ap-southeast-1': 1.24,
  'ap-southeast-2': 1.25,
  'sa-east-1': 1.59,
};

/** Spot prices move in steps of this many hours (AWS changes them a few times a day at most). */
export const SPOT_PRICE_STEP_HOURS = 6;
const HOUR_MS = 3_600_000;

/** Catalog entry of an instance type; throws for a name the world should never contain. */
export function catalogType(name: string): CatalogInstanceType {
  return loadCatalog().requireInstanceType(name);
}

/** The sandbox's on-demand Linux price, USD/h, or undefined when it has none for the type or region. */
export function sandboxOnDemandUsd(instanceType: string, region: string): number | undefined {
  const type = loadCatalog().instanceType(instanceType);
  const base = type?.onDemandHourlyUsd['us-east-1'];
  const factor = sandboxRegionPriceFactor[region];
  if (base === undefined || factor === undefined) return undefined;
  return roundUsd(base * factor);
}

/** Advisor figures of a type in a region, when the type is sold as spot there. */
export function spotAdvice(
  instanceType: string,
  region: string,
): { savingsPct: number; bucket: number } | undefined {
  const type = loadCatalog().instanceType(instanceType);
  const advice = type?.spotSupported ? type.spot[region] : undefined;
  if (!advice) return undefined;
  return { savingsPct: advice[0], bucket: advice[1] };
}

/** Hourly interruption hazard of a spot node: -ln(1 - bucket midpoint) / 730 (shared interruption model). */
export function spotHourlyHazard(instanceType: string, region: string): number {
  const advice = spotAdvice(instanceType, region);
  if (!advice) return 0;
  return estimateInterruption({ instanceType, region, bucket: bucketFromIndex(advice.bucket) }).hourlyHazard;
}

/**
 * The simulated spot price, USD/h, of a type in a zone during the step containing `timeMs`:
 * base = on-demand x (1 - savings %); factor = 1 + sigma x (0.7 x weekly noise + 0.5 x step noise) + zone
 * bias, sigma = 0.02 + 0.015 x bucket, so riskier pools move more; never above on-demand.
 */
export function sandboxSpotUsd(instanceType: string, zone: string, timeMs: number): number | undefined {
  const region = zone.replace(/[a-z]$/, '');
  const onDemand = sandboxOnDemandUsd(instanceType, region);
  const advice = spotAdvice(instanceType, region);
  if (onDemand === undefined || !advice) return undefined;
  const step = Math.floor(timeMs / (SPOT_PRICE_STEP_HOURS * HOUR_MS));
  const key = hashString(`${instanceType}@${zone}`);
  const noise = (...values: number[]) => unit(key, ...values) * 2 - 1;
  const sigma = 0.02 + 0.015 * advice.bucket;
  const weekly = noise(Math.floor(step / 28), 1);
  const factor = 1 + sigma * (0.7 * weekly + 0.5 * noise(step, 2)) + 0.03 * noise(0, 3);
  const base = onDemand * (1 - advice.savingsPct / 100);
  return roundUsd(Math.min(onDemand, Math.max(base * 0.5, base * factor)));
}

/** Start (ms) of the spot price step containing `timeMs`. */
export const spotStepStartMs = (timeMs: number): number =>
  Math.floor(timeMs / (SPOT_PRICE_STEP_HOURS * HOUR_MS)) * SPOT_PRICE_STEP_HOURS * HOUR_MS;

/** Spot prices are published to 1e-4 USD. */
const roundUsd = (usd: number): number => Math.round(usd * 1e4) / 1e4;

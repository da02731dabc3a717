import { type LivePrices, noLivePrices, spotPricesOf } from '@spot/shared/savings/node-pricing';
import type { CloudTarget, CustomerCloudPort } from '../../ports/cloud';

/**
 * Live prices of `instanceTypes` in the target's region. Prices are an input, not a precondition: a failure
 * (no pricing:GetProducts, throttling) is returned as `error` and the run falls back to the catalog. The
 * prices themselves are read by `@spot/shared/savings/node-pricing`.
 */
export async function fetchLivePrices(
  cloud: CustomerCloudPort,
  target: CloudTarget,
  instanceTypes: readonly string[],
  now: Date,
): Promise<LivePrices & { error: string | null }> {
  if (instanceTypes.length === 0) return { ...noLivePrices, error: null };
  const errors: string[] = [];
  const [onDemand, history] = await Promise.all([
    cloud.onDemandPrices(target, instanceTypes).catch((error: unknown) => {
      errors.push(`on-demand prices: ${error instanceof Error ? error.message : String(error)}`);
      return {} as Record<string, number>;
    }),
    cloud
      .spotPriceHistory(target, instanceTypes, new Date(now.getTime() - 24 * 3_600_000))
      .catch((error: unknown) => {
        errors.push(`spot prices: ${error instanceof Error ? error.message : String(error)}`);
        return [];
      }),
  ]);
  return { onDemand, ...spotPricesOf(history), error: errors.length ? errors.join('; ') : null };
}

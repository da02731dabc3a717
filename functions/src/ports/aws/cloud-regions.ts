import { CloudAccessError, isDomainError } from '@spot/shared';
import type { RegionResult } from '../cloud';
import { isRegionDisabled } from './cloud-errors';
import { mapWithConcurrency } from './cloud-retry';

/** Regions read at the same time by default: enough to scan 30 regions quickly, few enough not to throttle. */
export const defaultRegionConcurrency = 4;

/**
 * Runs `read` in each region, at most `concurrency` at once, and reports each region's outcome instead of
 * failing them all: a region the account has not enabled is `REGION_DISABLED`, any other domain error
 * keeps its code and message, and an unexpected error is reported without its internals. Results keep
 * the order of `regions`.
 */
export async function forEachRegion<T>(
  regions: readonly string[],
  read: (region: string) => Promise<T>,
  options: { concurrency?: number } = {},
): Promise<RegionResult<T>[]> {
  return mapWithConcurrency(
    regions,
    options.concurrency ?? defaultRegionConcurrency,
    async (region): Promise<RegionResult<T>> => {
      try {
        return { region, ok: true, value: await read(region) };
      } catch (error) {
        return { region, ok: false, error: regionError(region, error) };
      }
    },
  );
}

function regionError(region: string, error: unknown): { code: string; message: string } {
  if (isRegionDisabled(error)) {
    return {
      code: 'REGION_DISABLED',
      message: `The region ${region} is not enabled for this account, so it was skipped. Enable it in the AWS account settings to include it.`,
    };
  }
  if (error instanceof CloudAccessError) return { code: error.cloudCode, message: error.message };
  if (isDomainError(error)) return { code: error.code, message: error.message };
  return {
    code: 'INTERNAL',
    message: `Reading ${region} failed unexpectedly; it will be retried on the next scan.`,
  };
}

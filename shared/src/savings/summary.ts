import { z } from 'zod';

/**
 * Combined potential savings of a cluster without double counting. Each module computes its figure alone
 * on today's cluster; this applies them in a fixed order, each on what the previous ones left.
 */

export const SAVINGS_OVERLAP_RULE =
  'Savings are applied in order, each on the cost left by the previous ones: ' +
  '(1) hibernation removes the idle hours: H; the rest of the figures only apply to the active share ' +
  'a = (C - H) / C of the month; ' +
  '(2) bin packing removes unrequested capacity in the active hours: B x a; ' +
  '(3) spot re-prices the capacity the spot-ready pods request, which packing keeps: S x a; ' +
  '(4) rightsizing shrinks requests, which packed capacity then follows, at the average price left after ' +
  'spot: Z x a x (cost after spot / cost before spot). ' +
  'Each step is capped at the cost still left, so the total never exceeds the run rate and no step ' +
  'exceeds its stand-alone figure.';

export const savingsSources = ['hibernation', 'bin-packing', 'spot', 'rightsizing'] as const;
export type SavingsSource = (typeof savingsSources)[number];

export const savingsSummaryInputSchema = z.object({
  /** Current monthly run rate C, USD/month. */
  monthlyRunRateUsd: z.number().nonnegative().finite(),
  /** Stand-alone monthly figures of each module on today's cluster, USD/month. */
  hibernationMonthlyUsd: z.number().nonnegative().finite().default(0),
  binPackingMonthlyUsd: z.number().nonnegative().finite().default(0),
  spotMonthlyUsd: z.number().nonnegative().finite().default(0),
  rightsizingMonthlyUsd: z.number().nonnegative().finite().default(0),
});
export type SavingsSummaryInput = z.input<typeof savingsSummaryInputSchema>;

export interface SavingsStep {
  source: SavingsSource;
  standaloneMonthlyUsd: number;
  incrementalMonthlyUsd: number;
  /** Monthly cost left after this step, USD/month. */
  remainingMonthlyUsd: number;
}

export interface SavingsSummary {
  monthlyRunRateUsd: number;
  steps: SavingsStep[];
  totalMonthlyUsd: number;
  /** Sum of the stand-alone figures (what adding them up naively would claim), USD/month. */
  naiveSumMonthlyUsd: number;
  projectedMonthlyCostUsd: number;
  rule: string;
}

/**
 * Combines the four savings (USD/month) per `SAVINGS_OVERLAP_RULE`:
 *   hib   = min(H, C);                 a = (C - hib) / C
 *   pack  = min(B x a, C - hib)
 *   spot  = min(S x a, C - hib - pack)
 *   right = min(Z x a x (C - hib - pack - spot) / (C - hib - pack), what is left)
 */
export function combineSavings(rawInput: SavingsSummaryInput): SavingsSummary {
  const input = savingsSummaryInputSchema.parse(rawInput);
  const c = input.monthlyRunRateUsd;
  const steps: SavingsStep[] = [];
  let remaining = c;
  const take = (source: SavingsSource, standalone: number, scaled: number) => {
    const incremental = Math.min(Math.max(0, scaled), remaining);
    remaining -= incremental;
    steps.push({
      source,
      standaloneMonthlyUsd: standalone,
      incrementalMonthlyUsd: incremental,
      remainingMonthlyUsd: remaining,
    });
  };
  take('hibernation', input.hibernationMonthlyUsd, input.hibernationMonthlyUsd);
  const activeShare = c > 0 ? remaining / c : 0;
  take('bin-packing', input.binPackingMonthlyUsd, input.binPackingMonthlyUsd * activeShare);
  const beforeSpot = remaining;
  take('spot', input.spotMonthlyUsd, input.spotMonthlyUsd * activeShare);
  const priceFactor = beforeSpot > 0 ? remaining / beforeSpot : 0;
  take('rightsizing', input.rightsizingMonthlyUsd, input.rightsizingMonthlyUsd * activeShare * priceFactor);
  const totalMonthlyUsd = c - remaining;
  return {
    monthlyRunRateUsd: c,
    steps,
    totalMonthlyUsd,
    naiveSumMonthlyUsd:
      input.hibernationMonthlyUsd +
      input.binPackingMonthlyUsd +
      input.spotMonthlyUsd +
      input.rightsizingMonthlyUsd,
    projectedMonthlyCostUsd: remaining,
    rule: SAVINGS_OVERLAP_RULE,
  };
}

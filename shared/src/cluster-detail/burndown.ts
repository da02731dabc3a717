import type { ClusterBudgetResponse } from '../model/cluster-detail';

/**
 * Cost burndown of one cluster for the current UTC month (ADR 0052). Pure; the clock is passed in.
 * - spend of a day = sum of its hours' `hourlyCostUsd` (each hourly rollup is the cost of that hour);
 * - budget line = monthlyBudgetUsd x day / days in the month;
 * - projected month end = month-to-date + mean hourly cost of the last 24 known hours x hours left;
 * - status: projected above the budget = over-budget, above {@link atRiskShare} of it = at-risk.
 */

export const atRiskShare = 0.9;

export interface HourCost {
  /** Start of the hour, ISO 8601 UTC. */
  hour: string;
  hourlyCostUsd: number;
}

const round2 = (v: number) => Math.round(v * 100) / 100;

export function costBurndown(
  clusterId: string,
  monthlyBudgetUsd: number | null,
  hours: readonly HourCost[],
  now: Date,
): ClusterBudgetResponse {
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth();
  const monthStartMs = Date.UTC(year, month, 1);
  const daysInMonth = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const today = now.getUTCDate();
  const inMonth = hours
    .filter((h) => {
      const t = Date.parse(h.hour);
      return t >= monthStartMs && t <= now.getTime();
    })
    .sort((a, b) => a.hour.localeCompare(b.hour));
  const byDay = new Map<number, number>();
  for (const h of inMonth) {
    const day = new Date(h.hour).getUTCDate();
    byDay.set(day, (byDay.get(day) ?? 0) + h.hourlyCostUsd);
  }
  let cumulative = 0;
  const days = Array.from({ length: daysInMonth }, (_, i) => {
    const day = i + 1;
    const date = new Date(Date.UTC(year, month, day)).toISOString().slice(0, 10);
    const budgetCumulativeUsd =
      monthlyBudgetUsd === null ? null : round2((monthlyBudgetUsd * day) / daysInMonth);
    if (day > today) return { date, spendUsd: null, cumulativeUsd: null, budgetCumulativeUsd };
    const spend = byDay.get(day) ?? 0;
    cumulative += spend;
    return { date, spendUsd: round2(spend), cumulativeUsd: round2(cumulative), budgetCumulativeUsd };
  });
  const recent = inMonth.slice(-24);
  const meanHourlyUsd =
    recent.length === 0 ? 0 : recent.reduce((n, h) => n + h.hourlyCostUsd, 0) / recent.length;
  const monthEndMs = Date.UTC(year, month + 1, 1);
  const hoursLeft = Math.max(0, (monthEndMs - now.getTime()) / 3_600_000);
  const projected = cumulative + meanHourlyUsd * hoursLeft;
  const status =
    monthlyBudgetUsd === null
      ? 'no-budget'
      : projected > monthlyBudgetUsd
        ? 'over-budget'
        : projected > monthlyBudgetUsd * atRiskShare
          ? 'at-risk'
          : 'on-track';
  return {
    clusterId,
    monthlyBudgetUsd,
    month: `${year}-${String(month + 1).padStart(2, '0')}`,
    days,
    monthToDateUsd: round2(cumulative),
    projectedMonthEndUsd: round2(projected),
    status,
  };
}

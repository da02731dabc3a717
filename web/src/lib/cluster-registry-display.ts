import type { ClusterListItem, hibernationScheduleSchema } from '@spot/shared';
import type { z } from 'zod';

/**
 * View logic of the Command Center's registry (ADR 0045): flags, badges, the sparkline path and the
 * bulk presets. Numbers come from the API (computed in `shared/src/registry`); this only presents them.
 */

/**
 * The country of an AWS region as a two-letter code, drawn as a small flag chip (decorative: the region
 * code is always shown beside it). Not an emoji flag: without a colour emoji font (Debian's chromium has
 * none by default) those render as two empty boxes.
 */
const flags: Record<string, string> = {
  'us-': 'US',
  'ca-': 'CA',
  'sa-': 'BR',
  'mx-': 'MX',
  'eu-west-1': 'IE',
  'eu-west-2': 'GB',
  'eu-west-3': 'FR',
  'eu-central-1': 'DE',
  'eu-central-2': 'CH',
  'eu-north-1': 'SE',
  'eu-south-1': 'IT',
  'eu-south-2': 'ES',
  'il-': 'IL',
  'me-south-1': 'BH',
  'me-central-1': 'AE',
  'af-': 'ZA',
  'ap-south-': 'IN',
  'ap-east-1': 'HK',
  'ap-northeast-2': 'KR',
  'ap-northeast-': 'JP',
  'ap-southeast-1': 'SG',
  'ap-southeast-2': 'AU',
  'ap-southeast-3': 'ID',
  'ap-southeast-4': 'AU',
  'ap-southeast-5': 'MY',
  'ap-southeast-7': 'TH',
};

export function regionFlag(region: string): string {
  const key = Object.keys(flags)
    .filter((k) => region.startsWith(k))
    .sort((a, b) => b.length - a.length)[0];
  return key ? (flags[key] as string) : '··';
}

/** The version badge: a short label and its tone; null for a current version (no badge). */
export function versionBadge(
  eks: ClusterListItem['eks'],
): { label: string; tone: 'error' | 'warning' | 'info'; title: string } | null {
  switch (eks.status) {
    case 'end-of-life':
      return {
        label: 'EOL',
        tone: 'error',
        title: `Past end of extended support (${eks.endOfExtendedSupport}). Upgrade to ${eks.latestVersion}.`,
      };
    case 'extended-support':
      return {
        label: 'Extended',
        tone: 'warning',
        title: `Past end of standard support (${eks.endOfStandardSupport}): extended support adds $${eks.extendedSupportExtraMonthlyUsd}/month. Upgrade to ${eks.latestVersion}.`,
      };
    case 'upgrade-available':
      return {
        label: 'Upgrade',
        tone: 'info',
        title: `${eks.latestVersion} is available; standard support ends ${eks.endOfStandardSupport}.`,
      };
    default:
      return null;
  }
}

/**
 * What extended support adds, shown under the badge ("+$365/mo"): the figure `eksVersionStatus` (shared)
 * computed for the row, whole dollars; null when nothing is added (standard support, EOL, unknown).
 */
export function extendedSupportCostText(eks: ClusterListItem['eks']): string | null {
  if (eks.status !== 'extended-support' || eks.extendedSupportExtraMonthlyUsd <= 0) return null;
  return `+$${Math.round(eks.extendedSupportExtraMonthlyUsd).toLocaleString('en-US')}/mo`;
}

/** The week-over-week arrow: up (costs rising), down (falling), flat within ±1 %, or none. */
export function trendArrow(
  pct: number | null,
): { symbol: string; label: string; tone: 'up' | 'down' | 'flat' } | null {
  if (pct === null) return null;
  if (pct > 1) return { symbol: '▲', label: `up ${pct}% on last week`, tone: 'up' };
  if (pct < -1) return { symbol: '▼', label: `down ${Math.abs(pct)}% on last week`, tone: 'down' };
  return { symbol: '▶', label: 'flat on last week', tone: 'flat' };
}

/** An SVG polyline of the values in a `width` x `height` box (gaps skipped); '' with under two values. */
export function sparklinePoints(values: readonly (number | null)[], width: number, height: number): string {
  const known = values
    .map((v, i) => [i, v] as const)
    .filter((p): p is readonly [number, number] => p[1] !== null);
  if (known.length < 2) return '';
  const ys = known.map(([, v]) => v);
  const min = Math.min(...ys);
  const span = Math.max(...ys) - min || 1;
  const step = width / Math.max(1, values.length - 1);
  return known
    .map(
      ([i, v]) => `${(i * step).toFixed(1)},${(height - 2 - ((v - min) / span) * (height - 4)).toFixed(1)}`,
    )
    .join(' ');
}

/** A sparkline in words: "Nodes over the last 24 hours: 3 to 5" ('' without data). */
export function rangeText(what: 'Nodes' | 'Pods', values: readonly (number | null)[]): string {
  const known = values.filter((v): v is number => v !== null);
  return known.length ? `${what} over the last 24 hours: ${Math.min(...known)} to ${Math.max(...known)}` : '';
}

export const nodesRangeText = (values: readonly (number | null)[]) => rangeText('Nodes', values);
export const podsRangeText = (values: readonly (number | null)[]) => rangeText('Pods', values);

/** "% savings achieved" explained: the realized saving over the realized plus the potential still found. */
export function savingsTitle(item: {
  savingsPct: number | null;
  realizedSavingsMonthlyUsd: number | null;
  potentialSavingsMonthlyUsd: number | null;
}): string {
  if (item.savingsPct === null) return 'No savings figures yet';
  const usd = (v: number | null) => `$${Math.round(v ?? 0).toLocaleString('en-US')}/month`;
  return `Realized ${usd(item.realizedSavingsMonthlyUsd)} of ${usd((item.realizedSavingsMonthlyUsd ?? 0) + (item.potentialSavingsMonthlyUsd ?? 0))} (realized + potential still found)`;
}

export const complianceText = { compliant: 'Compliant', drift: 'Drift', violations: 'Violations' } as const;

/**
 * The shield's checks, violations first, each a line saying its kind: the registry's own checks and the
 * Compliance & Drift tab's findings (a failing scan rule, nodes of types the template forbids).
 */
export function complianceLines(compliance: {
  checks: readonly { rule: string; kind: 'violation' | 'drift'; message: string }[];
}): string[] {
  if (compliance.checks.length === 0) return ['Every check passes.'];
  const rank = { violation: 0, drift: 1 } as const;
  return [...compliance.checks]
    .sort((a, b) => rank[a.kind] - rank[b.kind])
    .map((c) => `${c.kind === 'violation' ? 'Violation' : 'Drift'}: ${c.message}`);
}

/** Bulk presets of the hibernation schedule: which half-hours are active (7 x 48, Monday first). */
export function hibernationPreset(
  kind: 'nights-and-weekends' | 'weekends',
  timeZone: string,
): z.input<typeof hibernationScheduleSchema> {
  const weekday = (d: number) => d < 5;
  const weeklyGrid = Array.from({ length: 7 }, (_, d) =>
    Array.from({ length: 48 }, (_, slot) =>
      kind === 'weekends' ? weekday(d) : weekday(d) && slot >= 14 && slot < 40,
    ),
  );
  // Active 07:00-20:00 on weekdays (slots 14-39), asleep otherwise; the scope and protection take their defaults.
  return { enabled: true, timeZone, weeklyGrid, preWarm: true };
}

/** A bulk result's outcome in words: `queued` is sent to the agent, which has not answered yet. */
export const bulkOutcomeText = { succeeded: 'Succeeded', queued: 'Queued', failed: 'Failed' } as const;

/** "2 succeeded, 1 queued, 1 failed." (queued only when some were: the other actions never queue). */
export function bulkSummary(result: { succeeded: number; queued: number; failed: number }): string {
  const queued = result.queued > 0 ? `, ${result.queued} queued` : '';
  return `${result.succeeded} succeeded${queued}, ${result.failed} failed.`;
}

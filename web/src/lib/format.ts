const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const date = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

const parse = (iso: string | null | undefined): Date | null => {
  if (!iso) return null;
  const value = new Date(iso);
  return Number.isNaN(value.getTime()) ? null : value;
};

export const formatDateTime = (iso: string | null | undefined): string => {
  const value = parse(iso);
  return value ? dateTime.format(value) : '—';
};

export const formatDate = (iso: string | null | undefined): string => {
  const value = parse(iso);
  return value ? date.format(value) : '—';
};

const steps: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
];

/** "3 hours ago"; "never" for a missing time. */
export const formatRelative = (iso: string | null | undefined, nowMs = Date.now()): string => {
  const value = parse(iso);
  if (!value) return 'never';
  const seconds = Math.round((value.getTime() - nowMs) / 1000);
  for (const [unit, size] of steps) {
    if (Math.abs(seconds) >= size) return relative.format(Math.round(seconds / size), unit);
  }
  return 'just now';
};

const usdWhole = new Intl.NumberFormat('en-US', {
  style: 'currency',
  currency: 'USD',
  maximumFractionDigits: 0,
});
const usdCents = new Intl.NumberFormat('en-US', {
  style: 'currency',
  currency: 'USD',
  minimumFractionDigits: 2,
  maximumFractionDigits: 2,
});
const usdCompact = new Intl.NumberFormat('en-US', {
  style: 'currency',
  currency: 'USD',
  notation: 'compact',
  maximumFractionDigits: 1,
});
const plain = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

const finite = (value: number | null | undefined): value is number =>
  typeof value === 'number' && Number.isFinite(value);

/** "$12,345" (whole dollars; cents below $10 so small figures do not read as zero); "—" when unknown. */
export const formatUsd = (value: number | null | undefined): string => {
  if (!finite(value)) return '—';
  return Math.abs(value) < 10 && value !== 0 ? usdCents.format(value) : usdWhole.format(value);
};

/** An hourly price, "$10.96/h" (always cents). */
export const formatUsdPerHour = (value: number | null | undefined): string =>
  finite(value) ? `${usdCents.format(value)}/h` : '—';

/** "$12.3K" for chart labels and tight cells. */
export const formatUsdCompact = (value: number | null | undefined): string =>
  finite(value) ? (Math.abs(value) < 1000 ? formatUsd(value) : usdCompact.format(value)) : '—';

/** A fraction in [0, 1] as "64%" (or "64.2%" with `digits`); "—" when unknown. */
export const formatPercent = (fraction: number | null | undefined, digits = 0): string =>
  finite(fraction) ? `${(fraction * 100).toFixed(digits)}%` : '—';

/** "1,234.5"; "—" when unknown. */
export const formatNumber = (value: number | null | undefined): string =>
  finite(value) ? plain.format(value) : '—';

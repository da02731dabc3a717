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

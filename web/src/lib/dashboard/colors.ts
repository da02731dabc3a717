import { stabilityLevel as levelOfIndex, type StabilityLevel } from '@spot/shared/savings/stability';

/** The dashboard's palette: one meaning per color on every widget. */
export const palette = {
  capacity: '#dc2626',
  requested: '#16a34a',
  used: '#2563eb',
  active: '#dc2626',
  idle: '#2563eb',
  noData: '#cbd5e1',
  spot: '#f59e0b',
  onDemand: '#2563eb',
  other: '#475569',
  green: '#16a34a',
  orange: '#ea580c',
  red: '#dc2626',
  muted: '#475569',
} as const;

export type { StabilityLevel };

/** The level of a stability index by the savings engine's thresholds; `null` when not measured. */
export function stabilityLevel(index: number | null): StabilityLevel | null {
  if (index === null || !Number.isFinite(index)) return null;
  return levelOfIndex(index);
}

export const levelColor = (level: StabilityLevel | null): string => (level ? palette[level] : palette.muted);

/** The sunburst color of a capacity type ("spot", "on-demand"); anything else is grey. */
export function capacityTypeColor(name: string): string {
  const n = name.toLowerCase().replace(/[^a-z]/g, '');
  if (n === 'spot') return palette.spot;
  if (n === 'ondemand') return palette.onDemand;
  return palette.other;
}

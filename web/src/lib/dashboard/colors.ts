import type { DashboardEfficiency } from '@spot/shared';
import { stabilityLevel as levelOfIndex, type StabilityLevel } from '@spot/shared/savings/stability';

/**
 * The dashboard's colours, chosen so that the ones shown together stay apart for people with red-green
 * colour blindness: `colourGroups` lists them and `colors.test.ts` checks every pair under simulated
 * protanopia and deuteranopia (method and figures: docs/accessibility.md). Red and green of the same
 * lightness look alike to them, so "green" is a teal and the reds are darker than the greens.
 * Names are Tailwind's shades.
 */
const shade = {
  teal600: '#0d9488',
  teal700: '#0f766e',
  teal100: '#ccfbf1',
  red700: '#b91c1c',
  red900: '#7f1d1d',
  red100: '#fee2e2',
  blue600: '#2563eb',
  blue700: '#1d4ed8',
  blue900: '#1e3a8a',
  blue100: '#dbeafe',
  amber600: '#d97706',
  amber700: '#b45309',
  amber100: '#fef3c7',
  violet600: '#7c3aed',
  slate600: '#475569',
  slate300: '#cbd5e1',
  slate100: '#f1f5f9',
} as const;

/** Marks (lines, areas, cells, arcs, dots): one meaning per colour on every widget. */
export const palette = {
  capacity: shade.red700,
  requested: shade.teal600,
  used: shade.blue600,
  active: shade.red700,
  idle: shade.blue600,
  noData: shade.slate300,
  spot: shade.amber600,
  onDemand: shade.blue600,
  other: shade.slate600,
  green: shade.teal600,
  orange: shade.amber600,
  red: shade.red700,
  muted: shade.slate600,
} as const;

export type SavingsSource = 'bin-packing' | 'spot' | 'hibernation' | 'rightsizing';

/** The Potential Savings sources, side by side in the summary's bar (hibernation is the night's navy). */
export const savingsSourceColor: Record<SavingsSource, string> = {
  'bin-packing': shade.teal600,
  spot: shade.amber600,
  hibernation: shade.blue900,
  rightsizing: shade.violet600,
};

/** Text in a status colour: darker shades that keep WCAG AA (4.5:1) on white and on their own tint. */
const statusText = {
  good: { text: shade.teal700, tint: shade.teal100 },
  fair: { text: shade.blue700, tint: shade.blue100 },
  warn: { text: shade.amber700, tint: shade.amber100 },
  bad: { text: shade.red900, tint: shade.red100 },
  none: { text: shade.slate600, tint: shade.slate100 },
} as const;

export type { StabilityLevel };

/** The level of a stability index by the savings engine's thresholds; `null` when not measured. */
export function stabilityLevel(index: number | null): StabilityLevel | null {
  if (index === null || !Number.isFinite(index)) return null;
  return levelOfIndex(index);
}

export const levelColor = (level: StabilityLevel | null): string => (level ? palette[level] : palette.muted);

const levelStatus = { green: 'good', orange: 'warn', red: 'bad' } as const;

/** The colour of a level's name written out (the gauge's caption). */
export const levelTextColor = (level: StabilityLevel | null): string =>
  statusText[level ? levelStatus[level] : 'none'].text;

/** The gauge track's bands, light tints of the levels (the level itself is written under the gauge). */
export const levelBand: Record<StabilityLevel, string> = {
  red: shade.red100,
  orange: shade.amber100,
  green: shade.teal100,
};

type Grade = NonNullable<DashboardEfficiency['grade']>;
const gradeStatus: Record<Grade, keyof typeof statusText> = {
  A: 'good',
  B: 'fair',
  C: 'warn',
  D: 'bad',
  F: 'bad',
};

/** An efficiency grade's tag colours (Naive UI's `NTag` `color` prop): dark letter on a light tint. */
export function gradeTagColor(grade: Grade | null): {
  color: string;
  textColor: string;
  borderColor: string;
} {
  const { text, tint } = statusText[grade ? gradeStatus[grade] : 'none'];
  return { color: tint, textColor: text, borderColor: tint };
}

/** The sunburst color of a capacity type ("spot", "on-demand"); anything else is grey. */
export function capacityTypeColor(name: string): string {
  const n = name.toLowerCase().replace(/[^a-z]/g, '');
  if (n === 'spot') return palette.spot;
  if (n === 'ondemand') return palette.onDemand;
  return palette.other;
}

export interface ColourGroup {
  name: string;
  /** What the colours are: marks need 3:1 against their background (WCAG 1.4.11), text 4.5:1 (1.4.3). */
  kind: 'marks' | 'text';
  /** Each colour that must be told from the others, on the background it is drawn on. */
  colours: { label: string; colour: string; background: string }[];
  /** Labels exempt from the contrast rule, with the reason. */
  lowContrast?: { labels: string[]; reason: string };
}

const onWhite = (colours: Record<string, string>) =>
  Object.entries(colours).map(([label, colour]) => ({ label, colour, background: '#ffffff' }));

/** The colours that appear together and mean different things: each pair must look different. */
export const colourGroups: ColourGroup[] = [
  {
    name: 'Resource Gap series',
    kind: 'marks',
    colours: onWhite({ Capacity: palette.capacity, Requested: palette.requested, Used: palette.used }),
  },
  {
    name: 'Activity heatmap cells',
    kind: 'marks',
    colours: onWhite({ Active: palette.active, Idle: palette.idle, 'No data': palette.noData }),
    lowContrast: {
      labels: ['No data'],
      reason: 'an empty cell: nothing to see, and the table view says "no data"',
    },
  },
  {
    name: 'Fleet capacity types',
    kind: 'marks',
    colours: onWhite({ Spot: palette.spot, 'On-demand': palette.onDemand, Other: palette.other }),
  },
  {
    name: 'Potential Savings sources',
    kind: 'marks',
    colours: onWhite({
      'Bin packing': savingsSourceColor['bin-packing'],
      Spot: savingsSourceColor.spot,
      Hibernation: savingsSourceColor.hibernation,
      Rightsizing: savingsSourceColor.rightsizing,
    }),
  },
  {
    name: 'Stability levels',
    kind: 'marks',
    colours: onWhite({ Green: palette.green, Orange: palette.orange, Red: palette.red }),
  },
  {
    name: 'Stability level names',
    kind: 'text',
    colours: onWhite({
      Green: levelTextColor('green'),
      Orange: levelTextColor('orange'),
      Red: levelTextColor('red'),
    }),
  },
  {
    name: 'Efficiency grade tags',
    kind: 'text',
    colours: (['A', 'B', 'C', 'F'] as const).map((grade) => {
      const { color, textColor } = gradeTagColor(grade);
      return { label: grade, colour: textColor, background: color };
    }),
  },
];

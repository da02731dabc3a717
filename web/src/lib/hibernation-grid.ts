import { slotMinutes, slotsPerDay, type WeeklyGrid } from '@spot/shared';
import type { CellState } from '@spot/shared/hibernation/week';

/**
 * The weekly painter's pure parts: painting a rectangle of half-hour cells, moving the keyboard focus,
 * and the words a screen reader hears for a cell. The colours themselves come from `weekCellStates`.
 */

export const dayNames = [
  'Monday',
  'Tuesday',
  'Wednesday',
  'Thursday',
  'Friday',
  'Saturday',
  'Sunday',
] as const;
export const dayShort = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;

export interface Cell {
  /** 0 = Monday. */
  day: number;
  /** 0 = 00:00-00:30. */
  slot: number;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** "08:30" for slot 17; slot 48 is "24:00" (the end of the day). */
export function slotTime(slot: number): string {
  const minutes = slot * slotMinutes;
  return `${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}

/** "08:00–08:30". */
export const slotRange = (slot: number) => `${slotTime(slot)}–${slotTime(slot + 1)}`;

const stateWords: Record<CellState, string> = {
  active: 'active',
  sleep: 'sleep',
  'pre-warm': 'sleep, pre-warm (nodes start booting)',
};

/** What a screen reader hears for a cell: "Monday 08:00–08:30, active". */
export function cellLabel(cell: Cell, state: CellState): string {
  return `${dayNames[cell.day]} ${slotRange(cell.slot)}, ${stateWords[state]}`;
}

export const cloneGrid = (grid: WeeklyGrid): WeeklyGrid => grid.map((day) => [...day]);

/** The grid with every cell of the rectangle between two corners (inclusive) set to `active`. */
export function paintRect(grid: WeeklyGrid, from: Cell, to: Cell, active: boolean): WeeklyGrid {
  const [d0, d1] = [Math.min(from.day, to.day), Math.max(from.day, to.day)];
  const [s0, s1] = [Math.min(from.slot, to.slot), Math.max(from.slot, to.slot)];
  return grid.map((day, d) =>
    d < d0 || d > d1 ? day : day.map((v, s) => (s >= s0 && s <= s1 ? active : v)),
  );
}

export const toggleCell = (grid: WeeklyGrid, cell: Cell): WeeklyGrid =>
  paintRect(grid, cell, cell, !grid[cell.day]?.[cell.slot]);

const clamp = (n: number, min: number, max: number) => Math.min(max, Math.max(min, n));

/**
 * Where a key moves the focus cell: arrows by one cell (left/right along the day's half hours, up/down
 * between days), Home/End to the day's first and last half hour, PageUp/PageDown to Monday and Sunday.
 * `null` for a key that does not move.
 */
export function moveCell(cell: Cell, key: string): Cell | null {
  const last = slotsPerDay - 1;
  switch (key) {
    case 'ArrowLeft':
      return { ...cell, slot: clamp(cell.slot - 1, 0, last) };
    case 'ArrowRight':
      return { ...cell, slot: clamp(cell.slot + 1, 0, last) };
    case 'ArrowUp':
      return { ...cell, day: clamp(cell.day - 1, 0, 6) };
    case 'ArrowDown':
      return { ...cell, day: clamp(cell.day + 1, 0, 6) };
    case 'Home':
      return { ...cell, slot: 0 };
    case 'End':
      return { ...cell, slot: last };
    case 'PageUp':
      return { ...cell, day: 0 };
    case 'PageDown':
      return { ...cell, day: 6 };
    default:
      return null;
  }
}

export const sameGrid = (a: WeeklyGrid, b: WeeklyGrid) =>
  a.length === b.length && a.every((day, d) => day.every((v, s) => v === b[d]?.[s]));

/** The active blocks of one day as "08:00–19:00" ranges, for a compact summary. */
export function dayBlocks(day: readonly boolean[]): string[] {
  const out: string[] = [];
  let start = -1;
  for (let s = 0; s <= day.length; s++) {
    const on = s < day.length && day[s] === true;
    if (on && start < 0) start = s;
    if (!on && start >= 0) {
      out.push(`${slotTime(start)}–${slotTime(s)}`);
      start = -1;
    }
  }
  return out;
}

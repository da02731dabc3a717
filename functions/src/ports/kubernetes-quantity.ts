/**
 * Kubernetes resource quantities (`100m`, `1.5`, `128Mi`, `1G`, `2e3`, `250000n`) as numbers: the
 * snapshot carries CPU in millicores, memory in MiB and extended resources in milli-units.
 */

const binarySuffixes: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const decimalSuffixes: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

const pattern = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$/;

/** The value of a quantity in base units (cores, bytes, devices); `null` when it is not a quantity. */
export function parseQuantity(quantity: string | number | undefined | null): number | null {
  if (quantity === undefined || quantity === null) return null;
  if (typeof quantity === 'number') return Number.isFinite(quantity) ? quantity : null;
  const m = pattern.exec(quantity.trim());
  if (!m) return null;
  const value = Number(m[1]);
  if (m[2]) return value * 10 ** Number(m[2].slice(1));
  const suffix = m[3] ?? '';
  const factor = binarySuffixes[suffix] ?? decimalSuffixes[suffix];
  return factor === undefined ? null : value * factor;
}

/** CPU quantity in millicores (`250m` -> 250, `2` -> 2000), rounded to a thousandth. 0 when absent. */
export function cpuMilli(quantity: string | number | undefined | null): number {
  const cores = parseQuantity(quantity);
  return cores === null ? 0 : Math.round(cores * 1_000_000) / 1000;
}

/** Memory quantity in MiB (`128Mi` -> 128, `1G` -> 953.67…), rounded to a thousandth. 0 when absent. */
export function memoryMiB(quantity: string | number | undefined | null): number {
  const bytes = parseQuantity(quantity);
  return bytes === null ? 0 : Math.round((bytes / 2 ** 20) * 1000) / 1000;
}

/** Extended resources (`nvidia.com/gpu: 1`) in milli-units. */
export function milliUnits(quantity: string | number | undefined | null): number {
  const units = parseQuantity(quantity);
  return units === null ? 0 : Math.round(units * 1000);
}

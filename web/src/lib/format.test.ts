import { describe, expect, it } from 'vitest';
import { formatNumber, formatPercent, formatUsd, formatUsdCompact, formatUsdPerHour } from './format';

describe('money and ratio formats', () => {
  it('formats dollars whole, with cents only below $10', () => {
    expect(formatUsd(12_345.6)).toBe('$12,346');
    expect(formatUsd(4.5)).toBe('$4.50');
    expect(formatUsd(0)).toBe('$0');
    expect(formatUsd(null)).toBe('—');
    expect(formatUsd(Number.NaN)).toBe('—');
  });

  it('formats hourly prices with cents', () => {
    expect(formatUsdPerHour(10.957)).toBe('$10.96/h');
  });

  it('formats compact dollars', () => {
    expect(formatUsdCompact(12_300)).toBe('$12.3K');
    expect(formatUsdCompact(950)).toBe('$950');
  });

  it('formats fractions as percents', () => {
    expect(formatPercent(0.642)).toBe('64%');
    expect(formatPercent(0.642, 1)).toBe('64.2%');
    expect(formatPercent(null)).toBe('—');
    expect(formatNumber(1234.56)).toBe('1,234.6');
  });
});

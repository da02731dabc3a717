import { describe, expect, it } from 'vitest';
import {
  changeSentence,
  deliveryStatusOf,
  formatAuditTimeLocal,
  formatAuditTimeUtc,
  formatBytes,
  formatChangeValue,
  initialsOf,
  outcomeBadge,
  systemIconOf,
  targetOf,
} from './audit-display';

describe('audit trail display', () => {
  it('shows an instant to the millisecond in UTC, and in a given zone for the tooltip', () => {
    expect(formatAuditTimeUtc('2026-10-24T14:32:01.455Z')).toBe('Oct 24 2026, 14:32:01.455 UTC');
    expect(formatAuditTimeUtc('2026-01-02T03:04:05.006Z')).toBe('Jan 2 2026, 03:04:05.006 UTC');
    expect(formatAuditTimeUtc('not a time')).toBe('—');
    const local = formatAuditTimeLocal('2026-10-24T14:32:01.455Z', 'America/New_York');
    expect(local).toContain('10:32:01.455');
    expect(local).toContain('EDT');
  });

  it('takes avatar initials from a name or an email', () => {
    expect(initialsOf('Alice Admin')).toBe('AA');
    expect(initialsOf('alice.admin@example.com')).toBe('AA');
    expect(initialsOf('bob@example.com')).toBe('B');
    expect(initialsOf('audit-e2e-1234abcd@example.com')).toBe('AE');
    expect(initialsOf('  ')).toBe('?');
  });

  it('gives each system component its own icon', () => {
    expect(systemIconOf('Hibernation scheduler')).toBe('💤');
    expect(systemIconOf('Discovery workflow')).toBe('🔍');
    expect(systemIconOf('Optimizer')).toBe('🤖');
    expect(new Set(['Cluster agent', 'Audit service', 'Optimizer'].map(systemIconOf)).size).toBe(3);
  });

  it('words outcomes with the specification colours', () => {
    expect(outcomeBadge('success')).toEqual({ label: 'Success', type: 'success' });
    expect(outcomeBadge('failed')).toEqual({ label: 'Failed', type: 'error' });
    expect(outcomeBadge('denied')).toEqual({ label: 'Denied', type: 'warning' });
  });

  it('names targets by kind, with known names for ids', () => {
    const names = new Map([['acc-1', 'Production']]);
    expect(targetOf('cloud-account/acc-1', names)).toEqual({ kind: 'Account', name: 'Production' });
    expect(targetOf('cluster/c-9/hibernation')).toEqual({ kind: 'Cluster', name: 'c-9 › hibernation' });
    expect(targetOf('policy/organization')).toEqual({ kind: 'Policy', name: 'organization' });
    expect(targetOf('policy/account/acc-1', names)).toEqual({ kind: 'Policy', name: 'account Production' });
    expect(targetOf('node/i-0123456789abcdef')).toEqual({ kind: 'Node', name: 'i-0123456789abcdef' });
    expect(targetOf('audit-settings')).toEqual({ kind: 'Audit settings', name: 'audit settings' });
    expect(targetOf('something/else')).toEqual({ kind: 'Resource', name: 'something/else' });
    expect(targetOf(null)).toBeNull();
  });

  it('renders a change field by field as the specification writes it', () => {
    expect(changeSentence({ path: 'maxNodes', label: 'Max Nodes', before: 10, after: 15 })).toBe(
      'Max Nodes 10 → 15',
    );
    expect(formatChangeValue(null)).toBe('not set');
    expect(formatChangeValue(true)).toBe('on');
    expect(formatChangeValue(['a', 'b'])).toBe('a, b');
    expect(formatChangeValue([])).toBe('none');
    expect(formatChangeValue({ a: 1 })).toBe('{"a":1}');
  });

  it('sizes downloads', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(3 * 1024 * 1024)).toBe('3.0 MB');
  });

  it('reads a last-delivered status in the forms an API may give, and nothing when absent', () => {
    expect(deliveryStatusOf(undefined)).toBeNull();
    expect(deliveryStatusOf(null)).toBeNull();
    expect(deliveryStatusOf('garbage')).toBeNull();
    expect(deliveryStatusOf('2026-12-06T01:00:00Z')).toEqual({
      at: '2026-12-06T01:00:00Z',
      ok: true,
      message: null,
    });
    expect(deliveryStatusOf({ at: '2026-12-06T01:00:00Z', ok: false, error: 'HTTP 403' })).toEqual({
      at: '2026-12-06T01:00:00Z',
      ok: false,
      message: 'HTTP 403',
    });
    expect(deliveryStatusOf({ deliveredAt: '2026-12-06T01:00:00Z', delivered: true })?.ok).toBe(true);
    expect(deliveryStatusOf({})).toBeNull();
  });
});

import type { AuditDestinationView } from '@spot/shared';
import { describe, expect, it } from 'vitest';
import {
  destinationErrors,
  draftOf,
  inputOf,
  newDestination,
  retentionChangeMessage,
  retentionStopsWith,
  settingsDirty,
} from './audit-settings-form';

const splunk: AuditDestinationView = {
  kind: 'splunk',
  id: 'd-1',
  name: 'Splunk',
  enabled: true,
  url: 'https://splunk.example.com:8088',
  hasSecret: true,
};

describe('compliance settings form', () => {
  it('never sends a secret it did not type: a stored one is kept by omission', () => {
    expect(inputOf(draftOf(splunk))).toEqual({
      id: 'd-1',
      kind: 'splunk',
      name: 'Splunk',
      enabled: true,
      url: 'https://splunk.example.com:8088',
    });
    const replaced = { ...draftOf(splunk), hecToken: '12345678-1234-1234-1234-123456789abc' };
    expect(inputOf(replaced)).toMatchObject({ hecToken: '12345678-1234-1234-1234-123456789abc' });
  });

  it('validates with the API schema and asks for the secret of a new destination only', () => {
    expect(destinationErrors(draftOf(splunk))).toEqual({});
    const fresh = newDestination('datadog');
    expect(destinationErrors(fresh).apiKey).toMatch(/Required/);
    expect(destinationErrors({ ...fresh, apiKey: 'nothex' }).apiKey).toMatch(/32 hex digits/);
    expect(destinationErrors({ ...fresh, apiKey: 'a'.repeat(32) })).toEqual({});
    expect(destinationErrors({ ...newDestination('splunk'), url: 'http://x' }).url).toMatch(/https/);
    expect(destinationErrors(newDestination('s3')).cloudAccountId).toBeDefined();
    expect(destinationErrors({ ...newDestination('s3'), name: '' }).name).toBe('Give the destination a name');
  });

  it('is dirty after a retention change or a typed secret, not after a round trip', () => {
    const saved = { retentionDays: 90, destinations: [splunk] };
    expect(settingsDirty(saved, 90, [draftOf(splunk)])).toBe(false);
    expect(settingsDirty(saved, 365, [draftOf(splunk)])).toBe(true);
    expect(settingsDirty(saved, 90, [{ ...draftOf(splunk), hecToken: 'x' }])).toBe(true);
    expect(settingsDirty(saved, 90, [])).toBe(true);
  });

  it('keeps a retention set through the API among the stops, in order', () => {
    expect(retentionStopsWith(90).map((s) => s.days)).toEqual([30, 60, 90, 180, 365, null]);
    expect(retentionStopsWith(120).map((s) => s.days)).toEqual([30, 60, 90, 120, 180, 365, null]);
  });

  it('says what a retention change does', () => {
    expect(retentionChangeMessage(null, 30)).toMatch(/older than 30 days will expire/);
    expect(retentionChangeMessage(30, null)).toMatch(/indefinitely/);
    expect(retentionChangeMessage(30, 365)).toMatch(/for 1 year/);
  });
});

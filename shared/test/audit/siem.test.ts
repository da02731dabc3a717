import { describe, expect, it } from 'vitest';
import { datadogIntakeUrl, datadogLogsPayload, splunkEventUrl, splunkHecPayload } from '../../src/audit/siem';

const record = {
  auditId: 'a-1',
  seq: 3,
  createdAt: '2026-07-01T12:00:00.250Z',
  actorType: 'system',
  actorName: 'Hibernation scheduler',
  action: 'hibernation.schedule.update',
  outcome: 'success',
  target: 'cluster/eks-1',
};

describe('SIEM payloads', () => {
  it('Datadog: an array of logs with source, service, tags and the event in words', () => {
    expect(JSON.parse(datadogLogsPayload([record]))).toEqual([
      {
        ddsource: 'spot-optimizer',
        service: 'spot-optimizer-audit',
        ddtags: 'outcome:success,actor_type:system',
        message: 'Modified Hibernation Schedule by Hibernation scheduler on cluster/eks-1 (success)',
        audit: record,
      },
    ]);
    expect(datadogIntakeUrl('us5.datadoghq.com')).toBe(
      'https://http-intake.logs.us5.datadoghq.com/api/v2/logs',
    );
  });

  it('Splunk HEC: one event object per record with epoch-second time', () => {
    const lines = splunkHecPayload([record, { ...record, seq: 4 }]).split('\n');
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      time: 1782907200.25,
      sourcetype: '_json',
      event: { seq: 3, event: 'Modified Hibernation Schedule' },
    });
    expect(splunkEventUrl('https://s.example.com:8088/')).toBe(
      'https://s.example.com:8088/services/collector/event',
    );
    expect(splunkEventUrl('https://s.example.com:8088/services/collector/event')).toBe(
      'https://s.example.com:8088/services/collector/event',
    );
  });
});

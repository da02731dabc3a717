import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatNoticeTime,
  minutesUntil,
  renderSleepNotice,
  type SleepNoticeInput,
} from '../../src/hibernation/notice';

const base: SleepNoticeInput = {
  clusterName: 'prod-eu',
  region: 'eu-central-1',
  timeZone: 'Europe/Berlin',
  now: new Date('2026-12-11T17:30:00Z'),
  // Friday 19:00 in Berlin (CET, UTC+1).
  sleepAt: new Date('2026-12-11T18:00:00Z'),
  wakeAt: new Date('2026-12-14T06:30:00Z'),
  groups: [
    { name: 'general', kind: 'managed-node-group', nodeCount: 6, hourlyCostUsd: 2.4 },
    { name: 'batch', kind: 'asg', nodeCount: 1, hourlyCostUsd: 0.5 },
    { name: 'spot-pool', kind: 'karpenter-nodepool', nodeCount: 3, hourlyCostUsd: 1.3 },
  ],
  keptNamespaces: ['monitoring'],
  snooze: {
    url: 'https://app.example.com/snooze?token=eyJ2IjoxfQ.v1.a.b.c',
    expiresAt: new Date('2026-12-12T18:00:00Z'),
  },
};

describe('the sleep notice', () => {
  it('names the cluster, when it sleeps in its zone and in UTC, what scales down and the Snooze link', () => {
    const n = renderSleepNotice(base);
    expect(n.subject).toBe('prod-eu goes to sleep in 30 minutes');
    expect(n.text).toContain(
      '⚠️ Cluster prod-eu (eu-central-1) is going to sleep in 30 minutes. Save your work!',
    );
    expect(n.text).toContain('Sleeps: Friday 11 December 2026 at 19:00 Europe/Berlin (18:00 UTC)');
    expect(n.text).toContain('Wakes: Monday 14 December 2026 at 07:30 Europe/Berlin (06:30 UTC)');
    expect(n.text).toContain('What scales down: 3 node groups, 10 nodes ($4.20/h while running):');
    expect(n.text).toContain('  - general (managed node group, 6 nodes, $2.40/h)');
    expect(n.text).toContain('  - batch (Auto Scaling group, 1 node, $0.50/h)');
    expect(n.text).toContain('  - spot-pool (Karpenter NodePool, 3 nodes, $1.30/h)');
    expect(n.text).toContain('Nodes running pods of monitoring stay up.');
    expect(n.text).toContain(base.snooze?.url);
    expect(n.text).toContain('The link works once, until Saturday 12 December 2026 at 19:00 Europe/Berlin');
    expect(n.html).toContain(`<a href="${base.snooze?.url}"`);
    expect(n.html).toContain('Snooze 2 hours');
    // Slack: the fallback text, the link in Slack's own syntax, the times and the groups.
    expect(n.slack.text).toBe(
      '⚠️ Cluster prod-eu (eu-central-1) is going to sleep in 30 minutes. Save your work!',
    );
    const slackText = n.slack.blocks
      .map((b) => (b.type === 'section' ? b.text.text : b.elements.map((e) => e.text).join(' ')))
      .join('\n');
    expect(slackText).toContain(`<${base.snooze?.url}|Snooze 2 hours>`);
    expect(slackText).toContain('18:00 UTC');
    expect(slackText).toContain('• general (managed node group, 6 nodes, $2.40/h)');
  });

  it('says the UTC day when it differs, and counts minutes from now (a late notice says at least 1)', () => {
    // 00:30 in Tokyo is 15:30 UTC the day before.
    expect(formatNoticeTime(new Date('2026-12-10T15:30:00Z'), 'Asia/Tokyo')).toBe(
      'Friday 11 December 2026 at 00:30 Asia/Tokyo (Thu 10 Dec 15:30 UTC)',
    );
    expect(minutesUntil(new Date('2026-12-11T17:48:10Z'), base.sleepAt)).toBe(12);
    expect(minutesUntil(new Date('2026-12-11T18:05:00Z'), base.sleepAt)).toBe(1);
    expect(renderSleepNotice({ ...base, now: new Date('2026-12-11T17:48:10Z') }).subject).toBe(
      'prod-eu goes to sleep in 12 minutes',
    );
  });

  it('without a link, tells where to wake the cluster instead; lists at most 10 groups', () => {
    const groups = Array.from({ length: 13 }, (_, i) => ({
      name: `ng-${i}`,
      kind: 'asg',
      nodeCount: 1,
      hourlyCostUsd: 0.1,
    }));
    const n = renderSleepNotice({ ...base, snooze: null, groups, wakeAt: null, keptNamespaces: [] });
    expect(n.text).not.toContain('snooze?token');
    expect(n.text).toContain('Wake it from the Cluster Hibernation page of Spot Optimizer.');
    expect(n.text).toContain('Wakes: not within the next 35 days by its schedule');
    expect(n.text).toContain('  - ng-9 (');
    expect(n.text).not.toContain('ng-10 (');
    expect(n.text).toContain('  - and 3 more node groups');
    expect(n.html).not.toContain('<a ');
  });

  it('escapes any cluster or group name for HTML and for Slack (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.string({ maxLength: 40 }), (clusterName, groupName) => {
        const n = renderSleepNotice({
          ...base,
          clusterName,
          groups: [{ name: groupName, kind: 'asg', nodeCount: 1, hourlyCostUsd: 1 }],
        });
        // No name can open a tag or an attribute: every < > " in the HTML is ours.
        const htmlWithoutOurs = n.html.replace(
          /<\/?(!doctype html|html|body|p|strong|br|ul|li|a)\b[^<>]*>/gi,
          '',
        );
        expect(htmlWithoutOurs).not.toMatch(/[<>]/);
        // Slack: the only < > are the link we wrote.
        const slack = n.slack.blocks
          .map((b) => (b.type === 'section' ? b.text.text : b.elements.map((e) => e.text).join(' ')))
          .join('\n')
          .replace(`<${base.snooze?.url}|Snooze 2 hours>`, '');
        expect(slack).not.toMatch(/[<>]/);
      }),
    );
  });
});

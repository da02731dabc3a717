import { defaultWeeklyGrid, type HibernationView } from '@spot/shared';
import { describe, expect, it } from 'vitest';
import { changedParts, type HibernationDraft, putBodyOf } from './hibernation';

const view: HibernationView = {
  clusterId: 'c1',
  version: 3,
  schedule: {
    enabled: true,
    timeZone: 'Europe/Berlin',
    weeklyGrid: defaultWeeklyGrid(),
    preWarm: true,
    scope: { kind: 'full' },
    protection: { criticalNamespaces: ['monitoring'], excludedTags: [] },
  },
  overrides: [{ date: '2026-12-24', kind: 'holiday', label: 'Christmas Eve' }],
  notifications: { enabled: false, emails: [], slackWebhookConfigured: true },
  status: {
    state: 'active',
    reason: 'schedule',
    actual: 'running',
    nextTransition: null,
    savingsRateUsdPerHour: 0,
    monthToDateSavingsUsd: 0,
    manualOverride: null,
  },
  updatedAt: null,
  updatedBy: null,
};

const draftOf = (v: HibernationView): HibernationDraft => ({
  schedule: structuredClone(v.schedule),
  overrides: structuredClone(v.overrides),
  notifications: {
    enabled: v.notifications.enabled,
    emails: [...v.notifications.emails],
    slackWebhookUrl: undefined,
  },
});

describe('the hibernation draft', () => {
  it('has no changes as loaded, and names each part changed', () => {
    const draft = draftOf(view);
    expect(changedParts(view, draft)).toEqual([]);
    (draft.schedule.weeklyGrid[5] as boolean[])[20] = true;
    draft.overrides = [];
    draft.schedule.scope = { kind: 'selected', nodeGroupIds: ['ng-1'] };
    draft.notifications.slackWebhookUrl = null;
    expect(changedParts(view, draft)).toEqual([
      'weekly schedule',
      'calendar overrides',
      'scope',
      'notifications',
    ]);
  });

  it('sends the version read, and the webhook only when it changes (write-only)', () => {
    const draft = draftOf(view);
    expect(putBodyOf(view.version, draft)).toEqual({
      version: 3,
      schedule: view.schedule,
      overrides: view.overrides,
      notifications: { enabled: false, emails: [] },
    });
    draft.notifications.slackWebhookUrl = null;
    expect(putBodyOf(view.version, draft).notifications).toEqual({
      enabled: false,
      emails: [],
      slackWebhookUrl: null,
    });
  });
});

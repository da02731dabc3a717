import { describe, expect, it } from 'vitest';
import { agentSyncOutcome } from './agent-sync';

// Sync Now's wait for the agent (ADR 0076), on an injected clock: no real waiting.
const requestedAt = '2026-12-07T10:00:00.000Z';
const t0 = Date.parse(requestedAt);
const request = { requestedAt, answerWithinSeconds: 90 };
const pending = { requestedAt, answered: false, pending: true };

describe('Sync Now waiting for the agent', () => {
  it('keeps waiting while the request is pending and the 90 s are not over', () => {
    expect(agentSyncOutcome(request, pending, t0 + 1_500, 'prod')).toEqual({ kind: 'waiting', text: null });
    expect(agentSyncOutcome(request, pending, t0 + 90_000, 'prod').kind).toBe('waiting');
  });

  it('says the agent has not answered once the server no longer counts the request pending', () => {
    const expired = { requestedAt, answered: false, pending: false };
    expect(agentSyncOutcome(request, expired, t0 + 90_000, 'prod')).toEqual({
      kind: 'timed-out',
      text: 'The agent of prod has not answered in 90 s: is it running? Check its pod (namespace spot-optimizer).',
    });
  });

  it('gives up by its own clock past the 90 s even if the server still says pending', () => {
    expect(agentSyncOutcome(request, pending, t0 + 90_001, 'prod')).toMatchObject({
      kind: 'timed-out',
      text: expect.stringMatching(/^The agent of prod has not answered in 90 s: is it running\?/),
    });
  });

  it('is synced when the snapshot answered this request, late or not; an answer to an older one is not it', () => {
    const answered = { requestedAt, answered: true, pending: false };
    expect(agentSyncOutcome(request, answered, t0 + 120_000, 'prod')).toEqual({
      kind: 'answered',
      text: 'prod is synced: its agent sent a fresh snapshot.',
    });
    const older = { requestedAt: '2026-12-07T09:00:00.000Z', answered: true, pending: false };
    expect(agentSyncOutcome(request, older, t0 + 10_000, 'prod').kind).toBe('timed-out');
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { agentFeeds, agentSyncAnswerMs, syncAnswered, syncPending } from '../src/domain/cluster-sync';
import { agentFreshnessMs } from '../src/domain/discovery/collect-cluster';

// The rule behind one pending Sync Now per cluster and the heartbeat's `snapshotRequested` (ADR 0076).
const t0 = Date.parse('2026-12-01T00:00:00Z');
const iso = (ms: number) => new Date(t0 + ms).toISOString();
const state = (requestedMs: number | null, snapshotMs: number | null) => ({
  syncRequestedAt: requestedMs === null ? null : iso(requestedMs),
  agent: { lastSnapshotAt: snapshotMs === null ? null : iso(snapshotMs) },
});
const ms = fc.integer({ min: 0, max: 86_400_000 });

describe('a pending sync', () => {
  it('is pending from the request until a snapshot at or after it, for at most the answer time', () => {
    fc.assert(
      fc.property(ms, fc.option(ms), fc.integer({ min: 0, max: 2 * agentSyncAnswerMs }), (r, s, after) => {
        const answered = s !== null && s >= r;
        const expected = !answered && after < agentSyncAnswerMs;
        expect(syncPending(state(r, s), new Date(t0 + r + after))).toBe(expected);
        // Answered once a snapshot at or after the request arrived; that does not expire.
        expect(syncAnswered(state(r, s))).toBe(answered);
      }),
    );
  });

  it('never is without a request', () => {
    fc.assert(
      fc.property(fc.option(ms), ms, (s, now) => {
        expect(syncPending(state(null, s), new Date(t0 + now))).toBe(false);
      }),
    );
  });

  it('goes to the agent exactly when discovery would leave the cluster to it', () => {
    fc.assert(
      fc.property(fc.option(ms), ms, (s, now) => {
        const feeds = s !== null && t0 + now - (t0 + s) < agentFreshnessMs;
        expect(agentFeeds(state(null, s), new Date(t0 + now))).toBe(feeds);
      }),
    );
  });
});

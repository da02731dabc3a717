import { agentFreshnessMs } from '@spot/shared';
import { beforeAll, describe, expect, it } from 'vitest';
import { clusterEntity, clusterKey } from '../src/data/entities/cluster';
import { updateEntity } from '../src/data/repository';
import { agentSyncAnswerMs, clusterSyncState, requestClusterSync } from '../src/domain/cluster-sync';
import { getCluster } from '../src/domain/clusters';
import { ingest } from '../src/domain/ingest';
import { seedCluster } from './clusters-support';
import { signUpAndIn, useLocalServices } from './support/services';

// Sync Now's time-out (ADR 0076) on DynamoDB Local with injected times: the agent that never answers is
// asked for 90 s, no longer after, and a click then asks again. No real waiting.

let orgId: string;
let clusterId: string;
const t0 = new Date('2026-12-07T10:00:00.000Z');
const at = (ms: number) => new Date(t0.getTime() + ms);
const heartbeat = async (now: Date) => {
  const answer = await ingest(
    { orgId, clusterId },
    { kind: 'heartbeat', agentVersion: '0.4.0' },
    now,
    () => {},
  );
  return answer.body.snapshotRequested;
};

beforeAll(async () => {
  await useLocalServices();
  const user = await signUpAndIn('Sync timeout');
  orgId = user.orgId;
  ({ clusterId } = await seedCluster(orgId, { name: 'silent-agent' }));
  // Agent-fed: its last snapshot a minute before the click, and none after it.
  await updateEntity(clusterEntity, clusterKey(orgId, clusterId), {
    set: {
      agent: {
        lastHeartbeatAt: at(-60_000).toISOString(),
        lastSnapshotAt: at(-60_000).toISOString(),
        version: '0.4.0',
        permissions: null,
      },
    },
  });
}, 120_000);

describe('Sync Now of an agent that does not answer', () => {
  it('is pending for 90 s, then neither pending nor answered, no longer asked of the agent, and asked again by a click', async () => {
    const asked = await requestClusterSync(orgId, clusterId, 'ops@example.com', t0);
    expect(asked.changed).toBe(true);
    expect(asked.response).toMatchObject({
      via: 'agent',
      pending: true,
      answered: false,
      requestedAt: t0.toISOString(),
      answerWithinSeconds: 90,
    });
    expect(agentSyncAnswerMs).toBe(90_000);
    // The agent's heartbeats are answered with the request while it is pending…
    expect(await heartbeat(at(30_000))).toBe(true);
    expect((await clusterSyncState(orgId, clusterId, at(agentSyncAnswerMs - 1))).pending).toBe(true);
    // …and a click meanwhile asks nothing more.
    const again = await requestClusterSync(orgId, clusterId, 'ops@example.com', at(60_000));
    expect(again).toMatchObject({ changed: false, response: { alreadyRequested: true } });

    // 90 s after the click, with no snapshot: the time-out outcome the page words as "has not answered".
    const expired = await clusterSyncState(orgId, clusterId, at(agentSyncAnswerMs));
    expect(expired).toMatchObject({
      via: 'agent',
      requestedAt: t0.toISOString(),
      pending: false,
      answered: false,
      answerWithinSeconds: 90,
    });
    expect(await heartbeat(at(agentSyncAnswerMs))).toBe(false);

    // A click after it asks again, as a new request.
    const retried = await requestClusterSync(
      orgId,
      clusterId,
      'ops@example.com',
      at(agentSyncAnswerMs + 5_000),
    );
    expect(retried.changed).toBe(true);
    expect(retried.response).toMatchObject({
      pending: true,
      alreadyRequested: false,
      requestedAt: at(agentSyncAnswerMs + 5_000).toISOString(),
    });
    expect(await heartbeat(at(agentSyncAnswerMs + 10_000))).toBe(true);
  }, 60_000);

  it("says on the cluster's detail what refreshes it: the agent while its snapshots are fresh, discovery after", async () => {
    // The agent's last snapshot is a minute before t0 (the set-up; no snapshot since).
    expect((await getCluster(orgId, clusterId, t0)).cluster.collectedBy).toBe('agent');
    expect((await getCluster(orgId, clusterId, at(agentFreshnessMs - 60_001))).cluster.collectedBy).toBe(
      'agent',
    );
    expect((await getCluster(orgId, clusterId, at(agentFreshnessMs - 60_000))).cluster.collectedBy).toBe(
      'discovery',
    );
  });
});

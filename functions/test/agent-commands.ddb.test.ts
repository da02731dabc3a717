import type { AgentCommandsResponse } from '@spot/shared';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  agentCommandEntity,
  agentCommandKey,
  agentCommandsOfClusterQuery,
} from '../src/data/entities/agent-command';
import { auditRecordEntity, auditRecordsQuery } from '../src/data/entities/audit-record';
import { getRaw, queryAll } from '../src/data/repository';
import {
  AgentUnavailableError,
  CommandExemptError,
  commandLeaseMs,
  enqueueAgentCommands,
  getAgentCommand,
} from '../src/domain/agent-commands';
import { assertNotInMaintenance, MaintenanceModeError } from '../src/domain/maintenance';
import { configurePorts } from '../src/ports';
import { type SeededCluster, seedCluster } from './clusters-support';
import { expectContractResponse } from './support/contract';
import { call, signUpAndIn, useLocalServices } from './support/services';

/**
 * The command channel (issue 14, ADR 0037) against DynamoDB Local: agent-token auth, tenant and cluster
 * isolation, leases and their redelivery, one result per command, maintenance mode switched on mid-run.
 */
type User = Awaited<ReturnType<typeof signUpAndIn>>;
let owner: User;
let other: User;
let prod: SeededCluster;
let staging: SeededCluster;
let foreign: SeededCluster;
const tokens: Record<string, string> = {};

/** The handlers' clock; tests move it to expire leases and polls. */
let clock = new Date();
const at = (ms: number) => new Date(clock.getTime() + ms);

async function issue(user: User, cluster: SeededCluster) {
  const issued = await call('POST /api/client/clusters/{id}/agent-token', {
    token: user.accessToken,
    path: { id: cluster.clusterId },
  });
  expect(issued.status, issued.raw).toBe(201);
  return String(issued.body.token);
}

const poll = async (token: string) => {
  const res = await call('GET /api/agent/commands', { token });
  expect(res.status, res.raw).toBe(200);
  expectContractResponse('GET /api/agent/commands', res);
  return res.body as unknown as AgentCommandsResponse;
};
const report = (token: string, id: string, body: Record<string, unknown>) =>
  call('POST /api/agent/commands/{id}/result', { token, path: { id }, body });
const maintenance = (user: User, cluster: SeededCluster, enabled: boolean) =>
  call('PUT /api/client/clusters/{id}/maintenance', {
    token: user.accessToken,
    path: { id: cluster.clusterId },
    body: { enabled, reason: 'node upgrade' },
  });
const cordon = (id: string, node = 'ip-10-0-1-1') => ({ id, command: { type: 'cordon' as const, node } });

beforeAll(async () => {
  await useLocalServices();
  configurePorts({ clock: { now: () => clock } });
  [owner, other] = await Promise.all([signUpAndIn('Commands A'), signUpAndIn('Commands B')]);
  prod = await seedCluster(owner.orgId, { name: 'prod' });
  staging = await seedCluster(owner.orgId, { name: 'staging' });
  foreign = await seedCluster(other.orgId, { name: 'prod' });
  tokens.prod = await issue(owner, prod);
  tokens.staging = await issue(owner, staging);
  tokens.foreign = await issue(other, foreign);
});

afterEach(() => {
  clock = new Date(Math.max(clock.getTime(), Date.now()));
});

describe('enqueueing commands', () => {
  it('refuses while the agent has never polled, then accepts once it polls in write mode', async () => {
    await expect(
      enqueueAgentCommands(owner.orgId, prod.clusterId, [cordon('first-0001')], clock),
    ).rejects.toThrow(AgentUnavailableError);
    expect(await getRaw(agentCommandKey(owner.orgId, prod.clusterId, 'first-0001'))).toBeUndefined();
    const first = await poll(tokens.prod as string);
    // An idle poll reads no policy: no commands, no exemption list.
    expect(first).toMatchObject({
      clusterId: prod.clusterId,
      commands: [],
      maintenance: false,
      exemptions: null,
    });
    const queued = await enqueueAgentCommands(owner.orgId, prod.clusterId, [cordon('first-0001')], clock);
    expect(queued).toEqual({ enqueued: ['first-0001'], existing: [] });
  });

  it('is idempotent by command id: a retried step enqueues nothing twice', async () => {
    const again = await enqueueAgentCommands(
      owner.orgId,
      prod.clusterId,
      [cordon('first-0001', 'another-node'), cordon('first-0002')],
      clock,
    );
    expect(again).toEqual({ enqueued: ['first-0002'], existing: ['first-0001'] });
    expect((await getAgentCommand(owner.orgId, prod.clusterId, 'first-0001')).command).toEqual({
      type: 'cordon',
      node: 'ip-10-0-1-1',
    });
  });

  it('refuses a command on an exempt namespace, enqueueing nothing of the batch', async () => {
    await expect(
      enqueueAgentCommands(
        owner.orgId,
        prod.clusterId,
        [
          cordon('exempt-0001'),
          { id: 'exempt-0002', command: { type: 'evict', namespace: 'kube-system', pod: 'coredns-1' } },
        ],
        clock,
      ),
    ).rejects.toThrow(CommandExemptError);
    expect(await getRaw(agentCommandKey(owner.orgId, prod.clusterId, 'exempt-0001'))).toBeUndefined();
  });

  it('refuses when the agent went offline (no poll for minutes)', async () => {
    await poll(tokens.staging as string);
    await expect(
      enqueueAgentCommands(owner.orgId, staging.clusterId, [cordon('offline-0001')], at(10 * 60_000)),
    ).rejects.toThrow(/has not fetched commands since/);
  });
});

describe('GET /api/agent/commands', () => {
  it('leases each command once; a crashed agent gets it again after the lease', async () => {
    const got = await poll(tokens.prod as string);
    expect(got.commands.map((c) => c.id)).toEqual(['first-0001', 'first-0002']);
    expect(got.commands[0]).toMatchObject({ attempt: 1, command: { type: 'cordon', node: 'ip-10-0-1-1' } });
    // The policy's default exemption travels with the commands.
    expect(got.exemptions?.namespaces).toContain('kube-system');
    // Within the lease, another poll (a second replica, a retry) gets nothing.
    expect((await poll(tokens.prod as string)).commands).toEqual([]);
    clock = at(commandLeaseMs + 1_000);
    const redelivered = await poll(tokens.prod as string);
    expect(redelivered.commands.map((c) => [c.id, c.attempt])).toEqual([
      ['first-0001', 2],
      ['first-0002', 2],
    ]);
  });

  it("never shows a cluster another cluster's commands, of the same organization or another", async () => {
    await poll(tokens.foreign as string);
    await enqueueAgentCommands(other.orgId, foreign.clusterId, [cordon('foreign-0001')], clock);
    for (const token of [tokens.staging, tokens.prod]) {
      const seen = await poll(token as string);
      expect(JSON.stringify(seen)).not.toContain('foreign-0001');
    }
    const theirs = await poll(tokens.foreign as string);
    expect(theirs.commands.map((c) => c.id)).toEqual(['foreign-0001']);
    // Reporting on another cluster's command is the 404 of an unknown id; the command stays open.
    const stolen = await report(tokens.prod as string, 'foreign-0001', { outcome: 'succeeded' });
    expect(stolen.status).toBe(404);
    const unknown = await report(tokens.prod as string, 'never-enqueued-1', { outcome: 'succeeded' });
    expect([stolen.body.code, stolen.body.message?.toString().replace('foreign-0001', 'X')]).toEqual([
      unknown.body.code,
      unknown.body.message?.toString().replace('never-enqueued-1', 'X'),
    ]);
    expect((await getAgentCommand(other.orgId, foreign.clusterId, 'foreign-0001')).status).toBe('leased');
  });

  it('refuses a missing or user token', async () => {
    expect((await call('GET /api/agent/commands', {})).status).toBe(401);
    expect((await call('GET /api/agent/commands', { token: owner.accessToken })).status).toBe(401);
  });
});

describe('POST /api/agent/commands/{id}/result', () => {
  it('records one result: the same again is a 200 no-op, a different one a 409; it is never delivered again', async () => {
    const done = await report(tokens.prod as string, 'first-0001', { outcome: 'succeeded' });
    expect(done.status, done.raw).toBe(200);
    expect(done.body).toMatchObject({ id: 'first-0001', status: 'done', outcome: 'succeeded' });
    const again = await report(tokens.prod as string, 'first-0001', { outcome: 'succeeded' });
    expect(again.status).toBe(200);
    expect(again.body.finishedAt).toBe(done.body.finishedAt);
    const conflict = await report(tokens.prod as string, 'first-0001', { outcome: 'failed', reason: 'boom' });
    expect(conflict.status).toBe(409);
    expect(conflict.body.code).toBe('COMMAND_RESULT_CONFLICT');
    // Done: expires (TTL) a week later and is out of the open index.
    const stored = await getRaw(agentCommandKey(owner.orgId, prod.clusterId, 'first-0001'));
    expect(stored?.expiresAt).toBeGreaterThan(Date.now() / 1000 + 6 * 86_400);
    clock = at(commandLeaseMs + 1_000);
    expect((await poll(tokens.prod as string)).commands.map((c) => c.id)).toEqual(['first-0002']);
    // One audit record for the one result.
    const audit = (await queryAll(auditRecordEntity, auditRecordsQuery(owner.orgId))).filter(
      (r) => r.action === 'cluster.command.result' && r.target?.endsWith('first-0001'),
    );
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actorType: 'system', outcome: 'success' });
  });

  it('takes a PDB wait as an outcome with its reason, and wants a reason for anything but success', async () => {
    const noReason = await report(tokens.prod as string, 'first-0002', { outcome: 'wait' });
    expect(noReason.status).toBe(400);
    const wait = await report(tokens.prod as string, 'first-0002', {
      outcome: 'wait',
      reason: 'Cannot evict pod as it would violate the pod disruption budget.',
    });
    expect(wait.status, wait.raw).toBe(200);
    expect(wait.body).toMatchObject({ outcome: 'wait', status: 'done' });
  });
});

describe('races', () => {
  it('hands each command to exactly one of several concurrent polls, and records one of two racing results', async () => {
    await poll(tokens.staging as string);
    const ids = Array.from({ length: 6 }, (_, i) => `race-000${i}`);
    await enqueueAgentCommands(
      owner.orgId,
      staging.clusterId,
      ids.map((id) => cordon(id)),
      clock,
    );
    const polls = await Promise.all(Array.from({ length: 4 }, () => poll(tokens.staging as string)));
    const handed = polls.flatMap((p) => p.commands.map((c) => c.id));
    expect(handed.sort()).toEqual(ids);
    const [first, second] = await Promise.all([
      report(tokens.staging as string, 'race-0000', { outcome: 'succeeded' }),
      report(tokens.staging as string, 'race-0000', { outcome: 'failed', reason: 'node gone' }),
    ]);
    expect([first.status, second.status].sort()).toEqual([200, 409]);
    const stored = await getAgentCommand(owner.orgId, staging.clusterId, 'race-0000');
    expect(stored.outcome).toBe(first.status === 200 ? 'succeeded' : 'failed');
  });
});

describe('maintenance mode', () => {
  it('switched on mid-run: refuses the pending commands and new ones, lets the leased one report, is audited', async () => {
    await poll(tokens.prod as string);
    await enqueueAgentCommands(owner.orgId, prod.clusterId, [cordon('run-0001')], clock);
    const leased = await poll(tokens.prod as string);
    expect(leased.commands.map((c) => c.id)).toEqual(['run-0001']);
    await enqueueAgentCommands(owner.orgId, prod.clusterId, [cordon('run-0002')], clock);

    const on = await maintenance(owner, prod, true);
    expect(on.status, on.raw).toBe(200);
    expect(on.body).toMatchObject({
      clusterId: prod.clusterId,
      maintenance: { enabled: true, by: owner.email },
    });
    // The pending command is closed, refused with the reason; the leased one finishes and reports.
    const refused = await getAgentCommand(owner.orgId, prod.clusterId, 'run-0002');
    expect(refused).toMatchObject({ status: 'done', outcome: 'refused' });
    expect(refused.reason).toContain('maintenance mode');
    expect((await report(tokens.prod as string, 'run-0001', { outcome: 'succeeded' })).status).toBe(200);
    // No command is handed out, none can be enqueued, and the workflows' check stops them.
    const paused = await poll(tokens.prod as string);
    expect(paused).toMatchObject({ maintenance: true, commands: [] });
    await expect(
      enqueueAgentCommands(owner.orgId, prod.clusterId, [cordon('run-0003')], clock),
    ).rejects.toThrow(MaintenanceModeError);
    await expect(assertNotInMaintenance(owner.orgId, prod.clusterId)).rejects.toThrow(/maintenance mode/);
    // The cluster page shows it.
    const detail = await call('GET /api/client/clusters/{id}', {
      token: owner.accessToken,
      path: { id: prod.clusterId },
    });
    expect((detail.body.cluster as Record<string, unknown>).maintenance).toMatchObject({
      enabled: true,
      reason: 'node upgrade',
    });
    // And when the agent last asked for commands (write mode).
    const channel = (detail.body.cluster as { commandChannel: { lastPollAt: string | null } }).commandChannel;
    expect(channel.lastPollAt).toBe(clock.toISOString());

    const off = await maintenance(owner, prod, false);
    expect(off.body).toMatchObject({ maintenance: { enabled: false } });
    await expect(assertNotInMaintenance(owner.orgId, prod.clusterId)).resolves.toBeUndefined();
    expect(
      (await enqueueAgentCommands(owner.orgId, prod.clusterId, [cordon('run-0003')], clock)).enqueued,
    ).toEqual(['run-0003']);

    const records = (await queryAll(auditRecordEntity, auditRecordsQuery(owner.orgId))).filter(
      (r) => r.action === 'cluster.maintenance.update' && r.target === `cluster/${prod.clusterId}`,
    );
    expect(
      records.map((r) => [
        (r.before as { enabled: boolean }).enabled,
        (r.after as { enabled: boolean }).enabled,
      ]),
    ).toEqual([
      [false, true],
      [true, false],
    ]);
  });

  it('is per cluster and per organization: another organization cannot switch it', async () => {
    const theirs = await call('PUT /api/client/clusters/{id}/maintenance', {
      token: other.accessToken,
      path: { id: prod.clusterId },
      body: { enabled: true },
    });
    expect(theirs.status).toBe(404);
    await expect(assertNotInMaintenance(owner.orgId, prod.clusterId)).resolves.toBeUndefined();
    await expect(assertNotInMaintenance(owner.orgId, staging.clusterId)).resolves.toBeUndefined();
  });

  it("lists a cluster's commands under its own keys only (the Activity view's query)", async () => {
    const all = await queryAll(agentCommandEntity, agentCommandsOfClusterQuery(owner.orgId, prod.clusterId));
    expect(all.map((c) => c.commandId)).toEqual(
      expect.arrayContaining(['first-0001', 'first-0002', 'run-0001', 'run-0002', 'run-0003']),
    );
    expect(all.every((c) => c.orgId === owner.orgId && c.clusterId === prod.clusterId)).toBe(true);
  });
});

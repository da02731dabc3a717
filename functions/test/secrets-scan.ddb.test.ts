import { randomBytes, randomUUID } from 'node:crypto';
import { agentChartRouteKey } from '@spot/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditRecordEntity, auditRecordsQuery } from '../src/data/entities/audit-record';
import { queryAll } from '../src/data/repository';
import { ensurePlatformAdmin } from '../src/domain/admin';
import { enqueueAgentCommands } from '../src/domain/agent-commands';
import { issueSnoozeToken } from '../src/domain/hibernation-snooze';
import { logSink } from '../src/lib/logger';
import { configurePorts, port } from '../src/ports';
import { routeKey, routes } from '../src/routes';
import { installConnectFakes, newAwsAccountId } from './accounts-connect-fakes';
import { seedCluster } from './clusters-support';
import { fixtureSnapshot } from './fixtures/k8s/snapshot';
import { scanForSecrets } from './support/secret-scan';
import {
  call,
  seenExchanges,
  seenResponses,
  signUpAndIn,
  strongPassword,
  useLocalServices,
} from './support/services';

/**
 * The secret access key of an access-key connection must never come back: not in any response body,
 * not in any log line, not in any audit record, whatever path the connect flow takes (success,
 * validation failure, refused keys, account mismatch, a claim by another organization, reconnect,
 * rename, resync, disconnect).
 */
const logLines: string[] = [];
const originalWrite = logSink.write;

beforeAll(async () => {
  await useLocalServices();
  logSink.write = (line) => {
    logLines.push(line);
  };
});

afterAll(() => {
  logSink.write = originalWrite;
});

describe('the secret access key never leaves the envelope', () => {
  it('appears in no response, log line or audit record of the whole connect flow', async () => {
    const { cloud } = installConnectFakes();
    const owner = await signUpAndIn();
    const other = await signUpAndIn();
    const awsAccountId = newAwsAccountId();
    const keys = cloud.addAccessKey(awsAccountId);
    const rotated = cloud.addAccessKey(awsAccountId);
    const intruderKeys = cloud.addAccessKey(awsAccountId);
    const secrets = [keys.secretAccessKey, rotated.secretAccessKey, intruderKeys.secretAccessKey];
    const connect = (token: string, body: Record<string, unknown>) =>
      call('POST /api/client/accounts/connect', {
        token,
        body: { method: 'access-key', region: 'us-east-1', ...body },
      });

    const statuses = [
      (await connect(owner.accessToken, { ...keys, secretAccessKey: `${keys.secretAccessKey} oops` })).status,
      (
        await connect(owner.accessToken, {
          ...keys,
          secretAccessKey: `${keys.secretAccessKey.slice(0, 39)}!`,
        })
      ).status,
      (await connect(owner.accessToken, { ...keys, awsAccountId: newAwsAccountId() })).status,
      (await connect(owner.accessToken, { ...keys, name: 'n'.repeat(80) })).status,
      (await connect(owner.accessToken, keys)).status,
      (await connect(owner.accessToken, rotated)).status,
      (await connect(other.accessToken, intruderKeys)).status,
    ];
    expect(statuses).toEqual([400, 422, 422, 400, 200, 200, 409]);

    const list = await call('GET /api/client/accounts', { token: owner.accessToken });
    const id = String(list.body.items?.[0]?.id);
    await call('GET /api/client/accounts/{id}', { token: owner.accessToken, path: { id } });
    await call('PATCH /api/client/accounts/{id}', {
      token: owner.accessToken,
      path: { id },
      body: { name: 'Lab' },
    });
    await call('POST /api/client/accounts/{id}/resync', { token: owner.accessToken, path: { id } });
    await call('DELETE /api/client/accounts/{id}', { token: owner.accessToken, path: { id } });

    const audit = [
      ...(await queryAll(auditRecordEntity, auditRecordsQuery(owner.orgId))),
      ...(await queryAll(auditRecordEntity, auditRecordsQuery(other.orgId))),
    ].map((r) => JSON.stringify(r));
    expect(seenResponses.length).toBeGreaterThan(10);
    expect(logLines.length).toBeGreaterThan(10);
    expect(audit.filter((r) => r.includes('account.connect'))).toHaveLength(7);
    for (const secret of secrets) {
      // Also a distinctive part of it, in case something truncated or re-encoded the value.
      for (const needle of [secret, secret.slice(4, 24)]) {
        expect(seenResponses.filter((r) => r.includes(needle))).toEqual([]);
        expect(logLines.filter((l) => l.includes(needle))).toEqual([]);
        expect(audit.filter((r) => r.includes(needle))).toEqual([]);
      }
    }
  });
});

describe('no credential leaves by any route', () => {
  it('exercises every route with real credentials in play; none shows up outside the answer that issues it', async () => {
    const { cloud } = installConnectFakes();
    const user = await signUpAndIn('Secrets');
    const leaver = await signUpAndIn('Secrets sign-out');
    const adminEmail = `secrets-admin-${Date.now()}@spot.local`;
    const adminPassword = strongPassword();
    await ensurePlatformAdmin(port('identity'), adminEmail, adminPassword, new Date());
    const admin = await port('identity').signIn(adminEmail, adminPassword);
    const keys = cloud.addAccessKey(newAwsAccountId());
    const token = user.accessToken;
    const kubeconfigToken = `k8s-${randomBytes(24).toString('hex')}`;
    const replacedKubeconfigToken = `k8s-${randomBytes(24).toString('hex')}`;

    await call('GET /api/health');
    await call('GET /api/openapi.json');
    await call('POST /api/auth/confirm', { body: { email: user.email, code: '123456' } });
    const refreshed = await call('POST /api/auth/refresh', { body: { refreshToken: user.refreshToken } });
    expect(refreshed.status).toBe(200);
    await call('GET /api/me', { token });
    await call('POST /api/me/onboarding-wizard', { token, body: { outcome: 'completed' } });
    await call('POST /api/client/accounts/role-setup', {
      token,
      body: { awsAccountId: newAwsAccountId(), region: 'eu-west-1' },
    });
    const connected = await call('POST /api/client/accounts/connect', {
      token,
      body: { method: 'access-key', region: 'us-east-1', ...keys },
    });
    expect(connected.status).toBeLessThan(300);
    const id = String(connected.body.id);
    await call('GET /api/client/accounts', { token });
    await call('GET /api/client/accounts/{id}', { token, path: { id } });
    await call('PATCH /api/client/accounts/{id}', { token, path: { id }, body: { name: 'Secrets lab' } });
    await call('POST /api/client/accounts/{id}/resync', { token, path: { id } });
    const cluster = await seedCluster(user.orgId, { name: 'prod' });
    await call('GET /api/client/clusters', { token });
    await call('GET /api/client/clusters/{id}', { token, path: { id: cluster.clusterId } });
    await call('GET /api/client/clusters/summary', { token });
    await call('POST /api/client/clusters/compare', {
      token,
      body: { ids: [cluster.clusterId, cluster.clusterId.replace(/.$/, '0')] },
    });
    await call('POST /api/client/clusters/bulk', {
      token,
      body: { action: 'upgrade-agent', ids: [cluster.clusterId] },
    });
    const issued = await call('POST /api/client/clusters/{id}/agent-token', {
      token,
      path: { id: cluster.clusterId },
    });
    const agentToken = String(issued.body.token);
    const snapshot = await fixtureSnapshot({ clusterName: 'prod', now: new Date() });
    expect(
      (
        await call('POST /api/ingest/snapshots', {
          token: agentToken,
          body: { kind: 'heartbeat', agentVersion: '1' },
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await call('POST /api/ingest/snapshots', {
          token: agentToken,
          body: { kind: 'snapshot', agentVersion: '1', snapshot },
        })
      ).status,
    ).toBe(202);
    // Sync Now of the agent-fed cluster (ADR 0076): the request and the heartbeat that learns of it.
    expect(
      (await call('POST /api/client/clusters/{id}/sync', { token, path: { id: cluster.clusterId } })).status,
    ).toBe(202);
    await call('GET /api/client/clusters/{id}/sync', { token, path: { id: cluster.clusterId } });
    await call('POST /api/ingest/snapshots', {
      token: agentToken,
      body: { kind: 'heartbeat', agentVersion: '1' },
    });
    // The command channel (write mode) and maintenance: the agent token is the agent routes' credential.
    await call('GET /api/agent/commands', { token: agentToken });
    await enqueueAgentCommands(
      user.orgId,
      cluster.clusterId,
      [{ id: 'secrets-cordon-1', command: { type: 'cordon', node: 'ip-10-0-0-1' } }],
      new Date(),
    );
    await call('GET /api/agent/commands', { token: agentToken });
    await call('POST /api/agent/commands/{id}/result', {
      token: agentToken,
      path: { id: 'secrets-cordon-1' },
      body: { outcome: 'succeeded' },
    });
    await call('PUT /api/client/clusters/{id}/maintenance', {
      token,
      path: { id: cluster.clusterId },
      body: { enabled: true },
    });
    // The Add Cluster wizard (ADR 0051): a kubeconfig's token and the install token stay out of every
    // answer but the one issuing the install token, and out of the logs.
    await call('POST /api/client/accounts/{id}/cluster-scan', {
      token,
      path: { id },
      body: { regions: ['us-east-1'] },
    });
    await call('POST /api/client/clusters', {
      token,
      body: {
        method: 'kubeconfig',
        accountId: id,
        region: 'us-east-1',
        name: 'restricted',
        kubeconfig: JSON.stringify({
          apiVersion: 'v1',
          kind: 'Config',
          clusters: [
            { name: 'c', cluster: { server: 'https://10.0.0.1', 'certificate-authority-data': 'Q0E=' } },
          ],
          contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
          users: [{ name: 'u', user: { token: kubeconfigToken } }],
        }),
      },
    });
    // Several clusters at once (ADR 0059): the audit records it writes per cluster carry no credential.
    await call('POST /api/client/clusters/adopt', {
      token,
      body: { accountId: id, clusters: [{ region: 'us-east-1', name: 'not-in-the-account' }] },
    });
    // A replaced kubeconfig (ADR 0065): its token in no answer, audit record or log line.
    const replacedKubeconfig = await call('PUT /api/client/clusters/{id}/kubeconfig', {
      token,
      path: { id: cluster.clusterId },
      body: {
        kubeconfig: JSON.stringify({
          apiVersion: 'v1',
          kind: 'Config',
          clusters: [
            { name: 'c', cluster: { server: 'https://10.0.0.2', 'certificate-authority-data': 'Q0E=' } },
          ],
          contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
          users: [{ name: 'u', user: { token: replacedKubeconfigToken } }],
        }),
      },
    });
    expect(replacedKubeconfig.status, replacedKubeconfig.raw).toBe(200);
    const install = await call('POST /api/client/clusters/{id}/install-token', {
      token,
      path: { id: cluster.clusterId },
    });
    const installToken = String(install.body.token);
    // The manifest the install's kubectl command fetches: public, so it must hold no token (ADR 0071).
    expect((await call('GET /api/agent/manifest.yaml')).status).toBe(200);
    // And the chart the Helm and Terraform commands install (ADR 0075): scanned unpacked.
    expect((await call(agentChartRouteKey)).status).toBe(200);
    await call('POST /api/client/clusters/{id}/preflight', { token, path: { id: cluster.clusterId } });
    const redeemed = await call('POST /api/ingest/snapshots', {
      token: installToken,
      body: { kind: 'heartbeat', agentVersion: '1' },
    });
    expect(redeemed.status, redeemed.raw).toBe(200);
    const trail = await call('GET /api/client/audit', { token, query: { limit: '2' } });
    await call('GET /api/client/audit', {
      token,
      query: { limit: '2', cursor: String(trail.body.nextCursor) },
    });
    await call('GET /api/client/audit/{id}', { token, path: { id: String(trail.body.items?.[0]?.auditId) } });
    await call('GET /api/client/audit/verify', { token });
    const siemKey = randomBytes(16).toString('hex');
    const siemToken = randomUUID();
    await call('GET /api/client/audit/settings', { token });
    const settings = await call('PUT /api/client/audit/settings', {
      token,
      body: {
        version: 0,
        retentionDays: 365,
        destinations: [
          { kind: 'datadog', name: 'DD', site: 'datadoghq.com', apiKey: siemKey },
          { kind: 'splunk', name: 'HEC', url: 'https://splunk.example.com:8088', hecToken: siemToken },
        ],
      },
    });
    expect(settings.status, settings.raw).toBe(200);
    await call('GET /api/client/audit/settings', { token });
    // The collector answers 403 (so the refusal path runs too); what it was sent stays out of every answer.
    const delivered: string[] = [];
    configurePorts({
      siem: {
        deliver: async (destination) => {
          delivered.push(JSON.stringify(destination));
          return { delivered: false, status: 403, message: 'Not delivered (HTTP 403): refused.' };
        },
      },
    });
    for (const d of settings.body.destinations as { id: string }[])
      await call('POST /api/client/audit/settings/test-event', { token, body: { destinationId: d.id } });
    expect(delivered.join()).toContain(siemToken);
    for (const format of ['json', 'csv'] as const) {
      const file = await call('POST /api/client/audit/exports', {
        token,
        body: {
          format,
          from: new Date(Date.now() - 86_400_000).toISOString(),
          to: new Date(Date.now() + 60_000).toISOString(),
        },
      });
      expect(file.status, file.raw.slice(0, 200)).toBe(200);
      await call('POST /api/client/audit/exports/verify', {
        token,
        body: { content: file.raw, signature: file.headers['x-audit-signature'] },
      });
    }
    await call('GET /api/client/dashboard', { token });
    await call('GET /api/client/dashboard/resource-gap', { token, query: { clusterId: cluster.clusterId } });
    await call('GET /api/admin/organizations', { token: admin.accessToken });
    // Node templates: the security groups are read with the account's access keys.
    await call('GET /api/client/accounts/{id}/security-groups', {
      token,
      path: { id },
      query: { region: 'us-east-1' },
    });
    const template = {
      name: 'Secrets template',
      families: ['m5'],
      architecture: 'x86_64',
      capacityType: 'spot',
      disk: { type: 'gp3', sizeGiB: 50 },
    };
    await call('POST /api/client/node-templates/validate', { token, body: template });
    const created = await call('POST /api/client/node-templates', { token, body: template });
    expect(created.status).toBe(201);
    const t = { id: String(created.body.id) };
    await call('GET /api/client/node-templates', { token });
    await call('GET /api/client/node-templates/{id}', { token, path: t });
    await call('PUT /api/client/node-templates/{id}', { token, path: t, body: { ...template, version: 1 } });
    const clone = await call('POST /api/client/node-templates/{id}/clone', {
      token,
      path: t,
      body: { name: 'Secrets copy' },
    });
    await call('POST /api/client/node-templates/{id}/default', {
      token,
      path: { id: String(clone.body.id) },
    });
    await call('GET /api/client/node-templates/{id}/karpenter', { token, path: t });
    await call('DELETE /api/client/node-templates/{id}', { token, path: t });
    const orgPolicy = await call('GET /api/client/policy', { token });
    await call('PUT /api/client/policy', { token, body: { version: 0, policy: orgPolicy.body.policy } });
    await call('GET /api/client/policy/versions', { token });
    await call('POST /api/client/policy/versions/{version}/restore', { token, path: { version: '1' } });
    for (const [scope, scopeId] of [
      ['accounts', id],
      ['clusters', cluster.clusterId],
    ] as const) {
      const path = { id: scopeId };
      await call(`GET /api/client/${scope}/{id}/policy`, { token, path });
      await call(`PUT /api/client/${scope}/{id}/policy`, { token, path, body: { version: 0, policy: {} } });
      await call(`GET /api/client/${scope}/{id}/policy/versions`, { token, path });
      await call(`POST /api/client/${scope}/{id}/policy/versions/{version}/restore`, {
        token,
        path: { ...path, version: '1' },
      });
    }
    await call('GET /api/client/clusters/{id}/policy/effective', { token, path: { id: cluster.clusterId } });
    await call('POST /api/client/clusters/{id}/policy/preview', {
      token,
      path: { id: cluster.clusterId },
      body: { policy: { infrastructure: { binPacking: { aggressiveness: 'aggressive' } } } },
    });
    await call('POST /api/client/clusters/{id}/consolidation', {
      token,
      path: { id: cluster.clusterId },
      body: { dryRun: true },
    });
    await call('GET /api/client/clusters/{id}/actions', { token, path: { id: cluster.clusterId } });
    await call('GET /api/client/clusters/{id}/karpenter', { token, path: { id: cluster.clusterId } });
    await call('POST /api/client/clusters/{id}/karpenter/reconcile', {
      token,
      path: { id: cluster.clusterId },
    });
    await call('POST /api/client/clusters/{id}/rightsizing', {
      token,
      path: { id: cluster.clusterId },
      body: { dryRun: true },
    });
    // The detail tabs; the node-group edit opens the account's access key to reach the cloud.
    await call('GET /api/client/clusters/{id}/drift', { token, path: { id: cluster.clusterId } });
    await call('GET /api/client/clusters/{id}/agent-upgrades', { token, path: { id: cluster.clusterId } });
    await call('GET /api/client/clusters/{id}/compliance', { token, path: { id: cluster.clusterId } });
    await call('PUT /api/client/clusters/{id}/budget', {
      token,
      path: { id: cluster.clusterId },
      body: { monthlyBudgetUsd: 4000 },
    });
    await call('GET /api/client/clusters/{id}/budget', { token, path: { id: cluster.clusterId } });
    await call('PUT /api/client/clusters/{id}/node-groups/{groupId}', {
      token,
      path: { id: cluster.clusterId, groupId: 'asg-workers' },
      body: { minSize: 0, maxSize: 2 },
    });
    // Hibernation: a run opens the account's access key; the Slack webhook is write-only.
    const hibernating = await seedCluster(user.orgId, { name: 'hibernating', accountId: id });
    const h = { id: hibernating.clusterId };
    await call('GET /api/client/hibernation', { token });
    await call('GET /api/client/clusters/{id}/hibernation', { token, path: h });
    const savedSchedule = await call('PUT /api/client/clusters/{id}/hibernation', {
      token,
      path: h,
      body: {
        version: 0,
        schedule: {
          enabled: true,
          timeZone: 'Europe/Paris',
          weeklyGrid: Array.from({ length: 7 }, () => Array.from({ length: 48 }, () => false)),
        },
        notifications: {
          enabled: true,
          emails: [],
          slackWebhookUrl: 'https://hooks.slack.com/services/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',
        },
      },
    });
    expect(savedSchedule.status, savedSchedule.raw).toBe(200);
    await call('POST /api/client/clusters/{id}/hibernation/sleep', { token, path: h });
    await call('POST /api/client/clusters/{id}/hibernation/wake', { token, path: h, body: { hours: 1 } });
    // A notice's Snooze link: its token is the public routes' only credential (shown, then used once).
    const snoozeToken = await issueSnoozeToken({
      orgId: user.orgId,
      clusterId: hibernating.clusterId,
      transitionAt: new Date(Date.now() + 1_800_000),
      expiresAt: new Date(Date.now() + 86_400_000),
      recipient: 'secrets@example.com',
    });
    await call('GET /api/public/hibernation/snooze', { query: { token: snoozeToken } });
    await call('POST /api/public/hibernation/snooze', { body: { token: snoozeToken } });
    await call('POST /api/client/hibernation/holidays/preview', {
      token,
      body: { country: 'FR', year: 2027 },
    });
    await call('DELETE /api/client/accounts/{id}', { token, path: { id } });
    await call('POST /api/auth/signout', {
      token: leaver.accessToken,
      body: { refreshToken: leaver.refreshToken },
    });

    // Every route of the table is in the scanned set: a new route without a call here fails this test.
    const exercised = new Set(seenExchanges.map((e) => e.routeKey));
    expect(routes.map(routeKey).filter((key) => !exercised.has(key))).toEqual([]);
    expect(scanForSecrets({ exchanges: seenExchanges, logLines })).toEqual([]);
    // And by value, the credentials this test holds: only their issuing answer carries them.
    const credentials = [
      agentToken,
      installToken,
      kubeconfigToken,
      replacedKubeconfigToken,
      user.accessToken,
      user.refreshToken,
      String(refreshed.body.accessToken),
      leaver.refreshToken,
      admin.accessToken,
      keys.secretAccessKey,
      user.password,
    ];
    // SIEM secrets: sent once, answered never, logged never, in no audit record or export.
    for (const secret of [siemKey, siemToken, snoozeToken]) {
      expect(logLines.filter((l) => l.includes(secret))).toEqual([]);
      expect(seenResponses.filter((r) => r.includes(secret))).toEqual([]);
    }
    expect(agentToken).toMatch(/^spot_agt_/);
    for (const secret of credentials) {
      expect(logLines.filter((l) => l.includes(secret))).toEqual([]);
      expect(seenResponses.filter((r) => r.includes(secret)).length).toBeLessThanOrEqual(1);
    }
  });
});

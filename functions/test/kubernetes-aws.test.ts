process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

import { createHash, createHmac } from 'node:crypto';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { agentKubernetesRules } from '@spot/shared';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentlessKubernetes } from '../src/ports/aws/kubernetes';
import { containerInsightsHistory } from '../src/ports/aws/kubernetes-container-insights';
import { eksToken } from '../src/ports/aws/kubernetes-eks-token';
import type { CloudTarget, CustomerCloudPort, EksCluster, MetricQuery } from '../src/ports/cloud';
import type { KubernetesCluster } from '../src/ports/kubernetes';
import { KubernetesAccessError } from '../src/ports/kubernetes-errors';
import { type FakeKubernetesApi, startFakeKubernetesApi } from './fixtures/k8s/server';

const credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};
const signingTime = new Date('2026-07-01T12:00:00.000Z');

/** The token's presigned URL. */
function decode(token: string): URL {
  expect(token.startsWith('k8s-aws-v1.')).toBe(true);
  const payload = token.slice('k8s-aws-v1.'.length);
  expect(payload).toMatch(/^[A-Za-z0-9_-]+$/); // base64url, no padding
  return new URL(Buffer.from(payload, 'base64url').toString('utf8'));
}

/** SigV4 of a presigned GET, computed from the AWS documentation, independently of the code under test. */
function expectedSignature(url: URL, clusterName: string, secret: string): string {
  const params = [...url.searchParams.entries()].filter(([k]) => k !== 'X-Amz-Signature');
  const enc = (v: string) =>
    encodeURIComponent(v).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const query = params
    .map(([k, v]) => [enc(k), enc(v)] as const)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const canonical = [
    'GET',
    '/',
    query,
    `host:${url.host}`,
    `x-k8s-aws-id:${clusterName}`,
    '',
    'host;x-k8s-aws-id',
    createHash('sha256').update('').digest('hex'),
  ].join('\n');
  const date = url.searchParams.get('X-Amz-Date') ?? '';
  const scope = `${date.slice(0, 8)}/us-east-1/sts/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', date, scope, createHash('sha256').update(canonical).digest('hex')].join(
    '\n',
  );
  const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date.slice(0, 8)), 'us-east-1'), 'sts'), 'aws4_request');
  return createHmac('sha256', key).update(toSign).digest('hex');
}

describe('EKS token (STS-presigned GetCallerIdentity)', () => {
  it('is k8s-aws-v1. + base64url of a SigV4-presigned STS URL naming the cluster', async () => {
    const { token, expiresAt } = await eksToken({
      clusterName: 'prod',
      region: 'us-east-1',
      credentials,
      now: signingTime,
    });
    const url = decode(token);
    expect(url.origin).toBe('https://sts.us-east-1.amazonaws.com');
    expect(url.pathname).toBe('/');
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      Action: 'GetCallerIdentity',
      Version: '2011-06-15',
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Credential': 'AKIDEXAMPLE/20260701/us-east-1/sts/aws4_request',
      'X-Amz-Date': '20260701T120000Z',
      'X-Amz-Expires': '60',
      'X-Amz-SignedHeaders': 'host;x-k8s-aws-id',
    });
    expect(url.searchParams.get('X-Amz-Signature')).toBe(
      expectedSignature(url, 'prod', credentials.secretAccessKey),
    );
    expect(expiresAt.toISOString()).toBe('2026-07-01T12:14:00.000Z');
    // Deterministic for fixed credentials and clock; another cluster name signs differently.
    expect(
      (await eksToken({ clusterName: 'prod', region: 'us-east-1', credentials, now: signingTime })).token,
    ).toBe(token);
    const other = decode(
      (await eksToken({ clusterName: 'dev', region: 'us-east-1', credentials, now: signingTime })).token,
    );
    expect(other.searchParams.get('X-Amz-Signature')).not.toBe(url.searchParams.get('X-Amz-Signature'));
  });

  it('carries the session token of temporary credentials', async () => {
    const { token } = await eksToken({
      clusterName: 'prod',
      region: 'eu-west-1',
      credentials: { ...credentials, sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLE' },
      now: signingTime,
    });
    const url = decode(token);
    expect(url.host).toBe('sts.eu-west-1.amazonaws.com');
    expect(url.searchParams.get('X-Amz-Security-Token')).toBe('IQoJb3JpZ2luX2VjEXAMPLE');
  });
});

describe('AgentlessKubernetes', () => {
  const sts = mockClient(STSClient);
  const eks = mockClient(EKSClient);
  let api: FakeKubernetesApi;
  const cluster: EksCluster = {
    name: 'prod',
    arn: 'arn:aws:eks:us-east-1:123456789012:cluster/prod',
    kubernetesVersion: '1.29',
    status: 'ACTIVE',
    endpoint: null,
    createdAt: '2026-01-01T00:00:00Z',
    tags: {},
  };
  const target: CloudTarget = {
    region: 'us-east-1',
    credentials: {
      kind: 'role',
      roleArn: 'arn:aws:iam::123456789012:role/SpotOptimizerReadOnly-ab12',
      externalId: 'ext-1',
    },
  };

  beforeEach(async () => {
    api = await startFakeKubernetesApi();
    sts.reset();
    eks.reset();
    sts.on(AssumeRoleCommand).resolves({
      Credentials: {
        AccessKeyId: 'ASIAEXAMPLE',
        SecretAccessKey: 'temporary-secret',
        SessionToken: 'session-token-1',
        Expiration: new Date(signingTime.getTime() + 3_600_000),
      },
    });
    eks.on(DescribeClusterCommand).resolves({ cluster: { name: 'prod', endpoint: api.url } });
  });
  afterEach(async () => {
    await api.close();
  });

  it('assumes the role with its External ID, reads the endpoint from EKS and reads the cluster with an EKS token', async () => {
    const port = new AgentlessKubernetes({ clock: { now: () => signingTime }, skipTlsVerify: true });
    const snapshot = await port.collectSnapshot(target, cluster);
    expect(snapshot).toMatchObject({
      clusterName: 'prod',
      source: 'agentless',
      capturedAt: signingTime.toISOString(),
    });
    expect(snapshot.nodes).toHaveLength(3);
    expect(sts.commandCalls(AssumeRoleCommand)[0]?.args[0].input).toMatchObject({
      RoleArn: target.credentials.kind === 'role' ? target.credentials.roleArn : '',
      ExternalId: 'ext-1',
    });
    expect(eks.commandCalls(DescribeClusterCommand)[0]?.args[0].input).toEqual({ name: 'prod' });
    const authorization = api.requests[0]?.authorization ?? '';
    expect(authorization).toMatch(/^Bearer k8s-aws-v1\./);
    const url = decode(authorization.slice('Bearer '.length));
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(/^ASIAEXAMPLE\//);
    expect(url.searchParams.get('X-Amz-Security-Token')).toBe('session-token-1');
    // The role's credentials are reused until shortly before they expire.
    await port.collectSnapshot(target, cluster);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(1);
  });

  describe('with an uploaded kubeconfig (ADR 0059)', () => {
    const secret = 'uploaded-sa-token-5f2c9d41a7';
    /** The file as the route stored it, opened only when the adapter calls `open` (counted). */
    function withFile(user: Record<string, unknown>) {
      const file = JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'restricted', cluster: { server: api.url } }],
        contexts: [{ name: 'c', context: { cluster: 'restricted', user: 'u' } }],
        users: [{ name: 'u', user }],
      });
      const opened = { count: 0 };
      const kc: KubernetesCluster = {
        ...cluster,
        kubeconfig: {
          auth: 'token',
          server: api.url,
          open: async () => {
            opened.count++;
            return file;
          },
        },
      };
      return { kc, opened };
    }

    it('reads the cluster at the file’s server with its token: no role assumed, no DescribeCluster', async () => {
      const { kc, opened } = withFile({ token: secret });
      const port = new AgentlessKubernetes({ clock: { now: () => signingTime }, skipTlsVerify: true });
      const snapshot = await port.collectSnapshot(target, kc);
      expect(snapshot.nodes).toHaveLength(3);
      expect(api.requests.length).toBeGreaterThan(0);
      expect(new Set(api.requests.map((r) => r.authorization))).toEqual(new Set([`Bearer ${secret}`]));
      expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
      expect(eks.commandCalls(DescribeClusterCommand)).toHaveLength(0);
      expect(opened.count).toBe(1);
    });

    it('replaces `aws eks get-token` by its own EKS token for the cluster the file names, never running the command', async () => {
      const marker = join(tmpdir(), `kubeconfig-exec-${process.pid}-${Date.now()}`);
      const { kc } = withFile({
        exec: {
          command: 'sh',
          args: ['-c', `touch ${marker}`, 'eks', 'get-token', '--cluster-name', 'prod-eks'],
        },
      });
      const port = new AgentlessKubernetes({ clock: { now: () => signingTime }, skipTlsVerify: true });
      await port.collectSnapshot(target, kc);
      const authorization = api.requests[0]?.authorization ?? '';
      expect(authorization).toMatch(/^Bearer k8s-aws-v1\./);
      const url = decode(authorization.slice('Bearer '.length));
      expect(url.searchParams.get('X-Amz-Credential')).toMatch(/^ASIAEXAMPLE\//);
      expect(url.searchParams.get('X-Amz-Signature')).toBe(
        expectedSignature(url, 'prod-eks', 'temporary-secret'),
      );
      expect(eks.commandCalls(DescribeClusterCommand)).toHaveLength(0);
      expect(existsSync(marker)).toBe(false);
    });

    it('says the uploaded credential was refused, without the credential', async () => {
      api.fail('/api/v1/pods', 401);
      const { kc } = withFile({ token: secret });
      const port = new AgentlessKubernetes({ clock: { now: () => signingTime }, skipTlsVerify: true });
      const failure = await port.collectSnapshot(target, kc).catch((e: Error) => e);
      expect(failure).toBeInstanceOf(Error);
      expect((failure as Error).message).toMatch(/kubeconfig uploaded for this cluster was refused/);
      expect((failure as Error).message).not.toContain(secret);
    });

    it('names a stored file that cannot be used', async () => {
      const { kc } = withFile({});
      const port = new AgentlessKubernetes({ clock: { now: () => signingTime }, skipTlsVerify: true });
      await expect(port.collectSnapshot(target, kc)).rejects.toThrow(
        /kubeconfig stored for cluster prod cannot be used .*replace its kubeconfig/,
      );
      expect(api.requests).toHaveLength(0);
    });
  });

  it('reviews the permissions as the role’s access entry (EKS token), and says so when EKS gives no endpoint', async () => {
    api.deny('list', 'horizontalpodautoscalers.autoscaling');
    const port = new AgentlessKubernetes({ clock: { now: () => signingTime }, skipTlsVerify: true });
    const rules = agentKubernetesRules.map((r) => ({ verb: r.verb, resource: r.resource }));
    const results = await port.checkAccess(target, cluster, rules);
    expect(results.filter((r) => !r.allowed).map((r) => r.resource)).toEqual([
      'horizontalpodautoscalers.autoscaling',
    ]);
    expect(results).toHaveLength(agentKubernetesRules.length);
    expect(api.requests.at(-1)?.authorization).toMatch(/^Bearer k8s-aws-v1\./);
    // DescribeCluster refused: an access error saying what to check, not an internal error.
    eks.on(DescribeClusterCommand).rejects(
      Object.assign(new Error('User is not authorized to perform eks:DescribeCluster'), {
        name: 'AccessDeniedException',
      }),
    );
    const refused = port.checkAccess(target, cluster, rules);
    await expect(refused).rejects.toBeInstanceOf(KubernetesAccessError);
    await expect(refused).rejects.toThrow(
      /API endpoint of cluster prod .*AccessDeniedException.*eks:DescribeCluster/,
    );
  });

  it('says which access to grant when the cluster refuses the role', async () => {
    api.fail('/api/v1/pods', 403);
    const port = new AgentlessKubernetes({ clock: { now: () => signingTime }, skipTlsVerify: true });
    await expect(port.collectSnapshot(target, cluster)).rejects.toThrow(
      /access entry .*spot-optimizer:readonly/,
    );
  });
});

describe('Container Insights back-fill', () => {
  const hour = (h: number) => new Date(Date.UTC(2026, 5, 30, h)).toISOString();
  const fakeCloud = (withData: boolean): CustomerCloudPort =>
    ({
      getMetricData: async (_t: CloudTarget, queries: readonly MetricQuery[]) =>
        queries.map((q) => ({
          id: q.id,
          points: withData
            ? [0, 1].map((h) => ({
                timestamp: hour(h),
                value:
                  {
                    nodes: 4,
                    cpulimit: 2000,
                    cpuused: 25,
                    cpureq: 50,
                    memlimit: 8 * 2 ** 30,
                    memused: 40,
                    memreq: 60,
                  }[q.id] ?? 0,
              }))
            : [],
        })),
      describeInstances: async () => [
        { instanceType: 'm5.large', capacityType: 'on-demand', clusterName: 'prod', state: 'running' },
        { instanceType: 'm5.large', capacityType: 'spot', clusterName: 'prod', state: 'running' },
        { instanceType: 'c5.large', capacityType: 'on-demand', clusterName: 'other', state: 'running' },
      ],
    }) as unknown as CustomerCloudPort;
  const cluster = { name: 'prod' } as EksCluster;
  const target = { region: 'us-east-1' } as CloudTarget;

  it('turns hourly cluster metrics into history samples priced with today’s node mix', async () => {
    const samples = await containerInsightsHistory(
      fakeCloud(true),
      target,
      cluster,
      new Date(hour(0)),
      new Date(hour(2)),
    );
    expect(samples).toHaveLength(2);
    expect(samples?.[0]).toMatchObject({
      hour: hour(0),
      capacityCpuMilli: 8000,
      usedCpuMilli: 2000,
      requestedCpuMilli: 4000,
      capacityMemoryMiB: 32768,
      usedMemoryMiB: 32768 * 0.4,
      nodes: [
        { instanceType: 'm5.large', capacityType: 'on-demand', count: 2 },
        { instanceType: 'm5.large', capacityType: 'spot', count: 2 },
      ],
      workloads: [],
    });
  });

  it('has nothing to back-fill when Container Insights is off', async () => {
    expect(
      await containerInsightsHistory(fakeCloud(false), target, cluster, new Date(hour(0)), new Date(hour(2))),
    ).toBeNull();
  });
});

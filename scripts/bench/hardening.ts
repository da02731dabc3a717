/**
 * Hardening load benchmark (issue 11, item 6): ORGS organizations with CLUSTERS clusters each push an
 * agent snapshot every "5 minutes" for ROUNDS rounds (accelerated: the rounds run back to back, each
 * snapshot's capturedAt 5 minutes after the previous one) while USERS signed-in users browse the dashboard
 * in a loop. Everything goes over HTTP through the local gateway (the same handler modules and route
 * table as the CDK app), with cognito-local and a fresh table in DynamoDB Local (in memory).
 *
 * Prints snapshots sent / accepted, sustained ingest/s, dashboard p50 / p95 / p99, errors by status, and
 * checks that nothing accepted was lost: after each round, every cluster whose push was accepted shows
 * that round's capturedAt (Cluster item and dashboard card), and at the end every cluster has a rollup
 * for each hour it was sent a snapshot in. Lost snapshots are reported, never hidden.
 *
 * `npm run bench hardening` or `npx tsx scripts/bench/hardening.ts`. Environment: ORGS (50), CLUSTERS (10),
 * ROUNDS (3), USERS (20), INGEST_CONCURRENCY (8, agents pushing at once). Measures; never fails on a time.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ClusterSnapshot } from '@spot/shared';
import { envInt, percentile, startBenchServices } from './local-services';

const periodMs = 5 * 60_000;

/** Runs `work` over `items` with at most `limit` in flight. */
async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next] as T;
      next += 1;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

interface Cluster {
  orgId: string;
  clusterId: string;
  name: string;
  token: string;
  /** capturedAt of every snapshot the API accepted (202). */
  accepted: string[];
}

export async function run(): Promise<void> {
  const orgCount = envInt('ORGS', 50);
  const clustersPerOrg = envInt('CLUSTERS', 10);
  const rounds = envInt('ROUNDS', 3);
  const userCount = Math.min(envInt('USERS', 20), orgCount);
  const ingestConcurrency = envInt('INGEST_CONCURRENCY', 8);
  const services = await startBenchServices('hardening');
  const { stops } = services;
  try {
    const { configurePorts } = await import('@spot/functions/ports/index');
    const { LocalKeyService } = await import('@spot/local/keys');
    const { startGateway } = await import('@spot/local/gateway');
    const { putItem, getItem, queryAll } = await import('@spot/functions/data/repository');
    const { clusterEntity, clusterKey } = await import('@spot/functions/data/entities/cluster');
    const { clusterCardEntity, cardsOfOrgQuery } = await import('@spot/functions/data/entities/cluster-card');
    const { clusterRollupEntity, clusterRollupsQuery } = await import(
      '@spot/functions/data/entities/cluster-rollup'
    );
    const { clusterIdFor } = await import('@spot/functions/domain/discovery/common');
    const { fixtureSnapshot } = await import('../../functions/test/fixtures/k8s/snapshot');
    configurePorts({
      keyService: new LocalKeyService(randomBytes(32)),
      scheduler: { upsertSchedule: async () => {}, deleteSchedule: async () => {} },
    });
    // Each simulated person has an address of their own (X-Forwarded-For, trusted from loopback only), as
    // behind CloudFront: on one shared 127.0.0.1 the per-address sign-up limit would refuse the 21st.
    const gateway = await startGateway({
      port: 0,
      webDist: join(services.dir, 'no-web'),
      trustForwardedFor: true,
    });
    stops.unshift(() => gateway.close());

    const request = async (method: string, path: string, bearer?: string, body?: unknown, from?: string) => {
      const res = await fetch(`${gateway.url}${path}`, {
        method,
        headers: {
          ...(from ? { 'x-forwarded-for': from } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      return { status: res.status, json: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
    };
    const must = async (method: string, path: string, bearer?: string, body?: unknown, from?: string) => {
      const res = await request(method, path, bearer, body, from);
      if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.json)}`);
      return res.json;
    };

    // Set-up (not measured): organizations signed up through the API; clusters written as discovery
    // leaves them; agent tokens issued through the API, as an admin does.
    const setupStarted = performance.now();
    const orgs: { orgId: string; accountId: string; accessToken: string }[] = [];
    await pool(
      Array.from({ length: orgCount }, (_, i) => i),
      4,
      async (i) => {
        const email = `load-${i}-${randomUUID().slice(0, 6)}@example.com`;
        const password = `Pw-${randomUUID().slice(0, 8)}-Aa1!`;
        const from = `198.18.${i >> 8}.${i & 255}`;
        const signup = await must(
          'POST',
          '/api/auth/signup',
          undefined,
          { organizationName: `Load Org ${i}`, email, password },
          from,
        );
        const tokens = await must('POST', '/api/auth/token', undefined, { email, password }, from);
        orgs.push({
          orgId: String(signup.orgId),
          accountId: String(signup.accountId),
          accessToken: String(tokens.accessToken),
        });
      },
    );
    const template = await fixtureSnapshot({ now: new Date() });
    const clusters: Cluster[] = [];
    for (const org of orgs) {
      for (let c = 0; c < clustersPerOrg; c += 1) {
        const name = `load-${c}`;
        const clusterId = clusterIdFor(org.accountId, 'us-east-1', name);
        await putItem(
          clusterEntity,
          clusterEntity.schema.parse({
            orgId: org.orgId,
            clusterId,
            accountId: org.accountId,
            awsAccountId: '123456789012',
            name,
            region: 'us-east-1',
            kubernetesVersion: '1.29',
            tags: { team: `team-${c % 3}` },
            nodeCount: 0,
            monthlyRunRateUsd: 0,
            discoveredAt: new Date().toISOString(),
          }),
        );
        clusters.push({ orgId: org.orgId, clusterId, name, token: '', accepted: [] });
      }
    }
    const byId = new Map(clusters.map((c) => [c.clusterId, c]));
    await pool(clusters, 8, async (cluster) => {
      const org = orgs.find((o) => o.orgId === cluster.orgId);
      const issued = await must(
        'POST',
        `/api/client/clusters/${cluster.clusterId}/agent-token`,
        org?.accessToken,
      );
      cluster.token = String(issued.token);
    });
    console.log(
      `set-up: ${orgs.length} organizations, ${clusters.length} clusters with agent tokens in ${((performance.now() - setupStarted) / 1000).toFixed(1)} s; snapshot of ${template.nodes.length} nodes and ${template.pods.length} pods`,
    );

    // The browsing users: one per organization, each in a loop over the dashboard's routes.
    const dashboardPaths = [
      '/api/client/dashboard',
      '/api/client/dashboard/resource-gap?range=24h&resource=cpu',
      '/api/client/clusters',
      '/api/client/dashboard/resource-gap?range=7d&resource=memory',
    ];
    const browse = { latencies: [] as number[], statuses: new Map<number, number>(), failures: 0 };
    let ingesting = true;
    const users = orgs.slice(0, userCount).map(async (org, u) => {
      for (let i = u; ingesting; i += 1) {
        const path = dashboardPaths[i % dashboardPaths.length] as string;
        const t = performance.now();
        try {
          const res = await request('GET', path, org.accessToken);
          browse.latencies.push(performance.now() - t);
          browse.statuses.set(res.status, (browse.statuses.get(res.status) ?? 0) + 1);
        } catch {
          browse.failures += 1;
        }
      }
    });

    // Rounds of pushes: capturedAt walks 5 minutes a round, ending a few minutes before now.
    const firstCapture = Date.now() - rounds * periodMs;
    const ingest = { sent: 0, accepted: 0, statuses: new Map<number, number>(), failures: 0, ms: 0 };
    const lost: string[] = [];
    for (let round = 0; round < rounds; round += 1) {
      const capturedAt = new Date(firstCapture + round * periodMs).toISOString();
      const started = performance.now();
      await pool(clusters, ingestConcurrency, async (cluster) => {
        const snapshot: ClusterSnapshot = { ...template, clusterName: cluster.name, capturedAt };
        ingest.sent += 1;
        try {
          const res = await request('POST', '/api/ingest/snapshots', cluster.token, {
            kind: 'snapshot',
            agentVersion: '0.1.0',
            snapshot,
          });
          ingest.statuses.set(res.status, (ingest.statuses.get(res.status) ?? 0) + 1);
          if (res.status === 202) {
            ingest.accepted += 1;
            cluster.accepted.push(capturedAt);
          }
        } catch {
          ingest.failures += 1;
        }
      });
      const roundMs = performance.now() - started;
      ingest.ms += roundMs;
      // Reflected: each accepted push's capturedAt is the cluster's and its card's last sync (not timed).
      let reflected = 0;
      for (const org of orgs) {
        const cards = await queryAll(clusterCardEntity, cardsOfOrgQuery(org.orgId));
        const cardText = new Map(cards.map((card) => [card.clusterId, JSON.stringify(card)]));
        for (const cluster of clusters.filter((c) => c.orgId === org.orgId)) {
          const last = cluster.accepted.at(-1);
          if (last !== capturedAt) continue;
          const item = await getItem(clusterEntity, clusterKey(org.orgId, cluster.clusterId));
          if (item?.lastSyncedAt === capturedAt && cardText.get(cluster.clusterId)?.includes(capturedAt)) {
            reflected += 1;
          } else {
            lost.push(`${cluster.clusterId} round ${round}: item ${item?.lastSyncedAt ?? 'missing'}`);
          }
        }
      }
      console.log(
        `  round ${round + 1}/${rounds} (capturedAt ${capturedAt}): ${clusters.length} pushes in ${(roundMs / 1000).toFixed(1)} s, ${((clusters.length / roundMs) * 1000).toFixed(1)} ingest/s; ${reflected} accepted and reflected`,
      );
    }
    ingesting = false;
    await Promise.all(users);

    // Every hour a cluster was sent a snapshot in has its rollup.
    for (const cluster of byId.values()) {
      const hours = new Set(cluster.accepted.map((at) => `${at.slice(0, 13)}:00:00.000Z`));
      if (hours.size === 0) continue;
      const first = [...hours].sort()[0] as string;
      const rollups = await queryAll(
        clusterRollupEntity,
        clusterRollupsQuery(cluster.orgId, cluster.clusterId, first),
      );
      const have = new Set(rollups.map((r) => r.hour));
      for (const hour of hours) if (!have.has(hour)) lost.push(`${cluster.clusterId}: no rollup for ${hour}`);
    }

    const sorted = [...browse.latencies].sort((a, b) => a - b);
    const format = (m: Map<number, number>) =>
      [...m.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([status, n]) => `${status}: ${n}`)
        .join(', ');
    const ingestErrors = ingest.sent - ingest.accepted;
    const browseErrors = [...browse.statuses.entries()]
      .filter(([s]) => s >= 400)
      .reduce((n, [, c]) => n + c, 0);
    console.log(
      `ingest: ${ingest.sent} snapshots sent, ${ingest.accepted} accepted (${format(ingest.statuses)}; ${ingest.failures} network failures); sustained ${((ingest.accepted / ingest.ms) * 1000).toFixed(1)} ingest/s over ${(ingest.ms / 1000).toFixed(1)} s at ${ingestConcurrency} concurrent agents`,
    );
    console.log(
      `dashboard: ${userCount} users, ${sorted.length} requests (${format(browse.statuses)}; ${browse.failures} network failures): p50 ${percentile(sorted, 0.5).toFixed(1)} ms, p95 ${percentile(sorted, 0.95).toFixed(1)} ms, p99 ${percentile(sorted, 0.99).toFixed(1)} ms`,
    );
    console.log(`errors: ${ingestErrors} ingest, ${browseErrors + browse.failures} dashboard`);
    console.log(
      `lost snapshots: ${lost.length}${lost.length > 0 ? ` (first: ${lost.slice(0, 5).join('; ')})` : ' (every accepted snapshot reflected in its cluster, card and hourly rollup)'}`,
    );
  } finally {
    await services.stop();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run();
}

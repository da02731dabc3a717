import { createHash, randomBytes } from 'node:crypto';
import type { ItemKeys } from '@spot/shared';
import {
  type AddClusterBody,
  type AddClusterResponse,
  type AdoptClustersBody,
  type AdoptClustersResponse,
  type AuditEntry,
  agentKubernetesRules,
  type ClusterScanResponse,
  ConflictError,
  clusterTimeZone,
  customerReadActions,
  type DiscoveredCluster,
  DomainError,
  installCommands,
  installerKubernetesRules,
  installTokenPrefix,
  installTokenTtlSeconds,
  isDomainError,
  type KubernetesVerification,
  kubernetesPreflightScript,
  kubernetesVerification,
  labelsFromTags,
  type PreflightResponse,
  UnauthorizedError,
  ValidationError,
  validateKubeconfig,
} from '@spot/shared';
import { agentTokenEntity, agentTokenKey } from '../data/entities/agent-token';
import { clusterEntity, clusterKey, clustersOfAccountQuery } from '../data/entities/cluster';
import { clusterKubeconfigEntity } from '../data/entities/cluster-kubeconfig';
import { installTokenEntity, installTokenKey } from '../data/entities/install-token';
import {
  cancelledConditions,
  getItem,
  putItem,
  queryRaw,
  type TransactItem,
  transactDelete,
  transactPut,
  transactPutRaw,
  transactUpdate,
  transactWrite,
  type UpdateSpec,
  where,
} from '../data/repository';
import { errorFields, logger } from '../lib/logger';
import { port } from '../ports';
import type { CloudTarget, EksCluster } from '../ports/cloud';
import { loadAccount } from './accounts';
import { cloudTargetOf } from './accounts-connect';
import { appendAudit } from './audit';
import { kubeconfigAad, withStoredKubeconfig } from './cluster-kubeconfig';
import type { BulkActor } from './cluster-registry';
import { registryRowText, registryRowUpdate } from './cluster-registry-row';
import { loadCluster } from './clusters';
import { clusterIdFor } from './discovery/common';
import { sealSecret } from './envelope';

/**
 * The Add Cluster wizard's domain (issue 17 item 4, ADR 0051): scan, adopt or register, install token,
 * pre-flight. Every key is built from the caller's organization, so another organization's account or
 * cluster is a 404.
 */

/** The account's connection: a placeholder (Cloud Connect not finished) cannot be scanned. */
async function connectedTarget(orgId: string, accountId: string) {
  const account = await loadAccount(orgId, accountId);
  if (!account.awsAccountId || !account.method) {
    throw new DomainError(
      'ACCOUNT_NOT_CONNECTED',
      'This account is not connected yet: finish Cloud Connect on the Accounts page, then scan it.',
      409,
    );
  }
  return { account, target: await cloudTargetOf(orgId, accountId) };
}

/** Region and name of the clusters the organization already manages in the account. */
async function managedNames(orgId: string, accountId: string): Promise<Set<string>> {
  const items = await queryRaw(clustersOfAccountQuery(orgId, accountId), { projection: ['region', 'name'] });
  return new Set(items.map((i) => `${String(i.region)}/${String(i.name)}`));
}

const describeFailure = (error: unknown) =>
  isDomainError(error) ? error.message : 'The region did not answer; try it again in a minute.';

/** EKS clusters of the regions that the organization does not manage yet, with env/team from their tags. */
export async function scanClusters(
  orgId: string,
  accountId: string,
  regions: readonly string[],
): Promise<ClusterScanResponse> {
  const { target } = await connectedTarget(orgId, accountId);
  const unique = [...new Set(regions)].sort();
  const [managed, perRegion] = await Promise.all([
    managedNames(orgId, accountId),
    Promise.all(
      unique.map(async (region) => {
        try {
          return {
            region,
            clusters: await port('cloud').listEksClusters({ ...target, region }),
            error: null,
          };
        } catch (error) {
          return { region, clusters: [] as EksCluster[], error: describeFailure(error) };
        }
      }),
    ),
  ]);
  const items: DiscoveredCluster[] = [];
  let managedCount = 0;
  for (const r of perRegion) {
    for (const c of [...r.clusters].sort((x, y) => x.name.localeCompare(y.name))) {
      if (managed.has(`${r.region}/${c.name}`)) {
        managedCount++;
        continue;
      }
      items.push({
        name: c.name,
        region: r.region,
        kubernetesVersion: c.kubernetesVersion,
        status: c.status,
        createdAt: c.createdAt || null,
        tags: c.tags,
        labels: labelsFromTags(c.tags),
      });
    }
  }
  return {
    accountId,
    items,
    managedCount,
    regions: perRegion.map((r) => ({
      region: r.region,
      ok: r.error === null,
      clusterCount: r.clusters.length,
      error: r.error,
    })),
  };
}

/** The cluster's tags with the wizard's env/team written over the cloud's (empty = removed). */
function withLabels(tags: Record<string, string>, body: Pick<AddClusterBody, 'env' | 'team'>) {
  const out = { ...tags };
  for (const key of ['env', 'team'] as const) {
    const value = body[key];
    if (value === undefined || value === null) continue;
    if (value === '') delete out[key];
    else out[key] = value;
  }
  return out;
}

/**
 * Adopts a cluster the scan found (read again from EKS: the body names it, the cloud describes it) or
 * registers one by kubeconfig (validated, sealed). The Cluster item, its registry row and the sealed
 * kubeconfig are one transaction; a cluster the organization already manages is a 409.
 */
export async function addCluster(
  orgId: string,
  userId: string,
  body: AddClusterBody,
  now: Date,
): Promise<{ body: AddClusterResponse; audit: Record<string, unknown> }> {
  const { account, target } = await connectedTarget(orgId, body.accountId);
  let kubeconfig: StoredKubeconfigSummary | null = null;
  if (body.method === 'kubeconfig') {
    const checked = validateKubeconfig(body.kubeconfig);
    if (!checked.ok) throw new ValidationError(`kubeconfig: ${checked.problems.join(' ')}`);
    if (checked.value.region && checked.value.region !== body.region) {
      throw new ValidationError(
        `region: the kubeconfig's API server is in ${checked.value.region}, not ${body.region}. Pick ${checked.value.region}.`,
      );
    }
    kubeconfig = { server: checked.value.server, auth: checked.value.auth };
  }
  // Both ways name an EKS cluster of the account (read again from EKS: the body names it, the cloud
  // describes it); discovery then keeps the same item (same id) in step with EKS.
  const clusters = await port('cloud').listEksClusters({ ...target, region: body.region });
  return storeCluster(orgId, userId, account.awsAccountId, body, findEks(clusters, body), kubeconfig, now);
}

function findEks(clusters: readonly EksCluster[], body: { name: string; region: string }): EksCluster {
  const eks = clusters.find((c) => c.name === body.name);
  if (!eks) {
    throw new DomainError(
      'CLUSTER_NOT_IN_ACCOUNT',
      `The account has no EKS cluster "${body.name}" in ${body.region}. Scan the region again and pick one of the clusters listed, or check the name and region.`,
      404,
    );
  }
  return eks;
}

type StoredKubeconfigSummary = { server: string; auth: 'token' | 'client-certificate' | 'aws-eks-get-token' };

/**
 * Writes the Cluster item, its registry row and (kubeconfig) the sealed file in one transaction, the
 * Cluster put conditional: a cluster the organization already manages is a 409.
 */
async function storeCluster(
  orgId: string,
  userId: string,
  awsAccountId: string | null,
  body: AddClusterBody,
  eks: EksCluster,
  kubeconfig: StoredKubeconfigSummary | null,
  now: Date,
): Promise<{ body: AddClusterResponse; audit: Record<string, unknown> }> {
  const clusterId = clusterIdFor(body.accountId, body.region, body.name);
  const tags = withLabels(eks.tags, body);
  const cluster = clusterEntity.schema.parse({
    orgId,
    clusterId,
    accountId: body.accountId,
    awsAccountId,
    name: body.name,
    region: body.region,
    arn: eks.arn || null,
    kubernetesVersion: eks.kubernetesVersion,
    status: eks.status,
    endpoint: eks.endpoint ?? kubeconfig?.server ?? null,
    createdAt: eks.createdAt || null,
    tags,
    nodeCount: 0,
    monthlyRunRateUsd: 0,
    timeZone: clusterTimeZone(body.region, tags),
    discoveredAt: now.toISOString(),
  });
  // Listed in the registry from now on, as discovery lists a new cluster (ADR 0045).
  // The row and its index entry (ADR 0053): both are plain updates.
  const rowWrites = registryRowUpdate(cluster, registryRowText(cluster)).map((i) => {
    const { update, spec } = i as { update: ItemKeys; spec: UpdateSpec };
    return transactUpdate(update, spec);
  });
  const items: TransactItem[] = [transactPut(clusterEntity, cluster, true), ...rowWrites];
  if (body.method === 'kubeconfig' && kubeconfig) {
    // The same AAD the collector and the replace route use: a file copied to another item does not open.
    const sealed = await sealSecret(body.kubeconfig, port('keyService'), kubeconfigAad(orgId, clusterId));
    items.push(
      transactPutRaw(
        clusterKubeconfigEntity.toItem({
          orgId,
          clusterId,
          ...kubeconfig,
          ...sealed,
          createdAt: now.toISOString(),
          createdBy: userId,
        }),
      ),
    );
  }
  try {
    await transactWrite(items);
  } catch (error) {
    if (!cancelledConditions(error)?.[0]) throw error;
    throw new ConflictError(
      'CLUSTER_ALREADY_MANAGED',
      `The cluster "${body.name}" in ${body.region} is already managed by your organization: open it from the Clusters page.`,
    );
  }
  return {
    body: {
      clusterId,
      name: body.name,
      region: body.region,
      accountId: body.accountId,
      method: body.method,
      tags,
      kubeconfig,
    },
    audit: { clusterName: body.name, method: body.method, region: body.region, tags, kubeconfig },
  };
}

/**
 * Adopts several clusters of one scan (`POST /api/client/clusters/adopt`): each region is listed once,
 * each cluster is written in its own transaction and audited in its own record (`cluster.add`, success
 * or failed), so one that fails (already managed, gone from EKS, its region not answering) leaves the
 * others adopted and says why. The account is checked once for the whole request: another
 * organization's, or one not connected, is the request's 404 or 409 with no record.
 */
export async function adoptClusters(
  orgId: string,
  body: AdoptClustersBody,
  actor: BulkActor,
  now: Date,
): Promise<AdoptClustersResponse> {
  const { account, target } = await connectedTarget(orgId, body.accountId);
  const regions = [...new Set(body.clusters.map((c) => c.region))];
  const listed = new Map<string, EksCluster[] | DomainError>(
    await Promise.all(
      regions.map(async (region): Promise<[string, EksCluster[] | DomainError]> => {
        try {
          return [region, await port('cloud').listEksClusters({ ...target, region })];
        } catch (error) {
          return [
            region,
            new DomainError('REGION_UNAVAILABLE', `${region}: ${describeFailure(error)}`, 502),
          ] as const;
        }
      }),
    ),
  );
  const results: AdoptClustersResponse['results'] = [];
  for (const c of body.clusters) {
    const entry = (outcome: AuditEntry['outcome'], extra: Partial<AuditEntry>): AuditEntry => ({
      actorType: 'user',
      actorId: actor.userId,
      actorName: actor.email,
      action: 'cluster.add',
      resourceType: 'cluster',
      target: `cluster/${clusterIdFor(body.accountId, c.region, c.name)}`,
      accountId: body.accountId,
      outcome,
      sourceIp: actor.sourceIp,
      userAgent: actor.userAgent,
      requestId: actor.requestId,
      ...extra,
    });
    try {
      const clusters = listed.get(c.region);
      if (clusters instanceof Error) throw clusters;
      const added = await storeCluster(
        orgId,
        actor.userId,
        account.awsAccountId,
        { method: 'discovered', accountId: body.accountId, ...c },
        findEks(clusters ?? [], c),
        null,
        now,
      );
      await appendAudit(
        orgId,
        entry('success', { after: { ...added.audit, via: 'adopt' }, errorCode: null }),
        now,
      );
      results.push({
        region: c.region,
        name: c.name,
        outcome: 'added',
        clusterId: added.body.clusterId,
        tags: added.body.tags,
        message: `Adopted ${c.name} (${c.region}).`,
        errorCode: null,
      });
    } catch (error) {
      const known = error instanceof DomainError;
      if (!known)
        logger.error('adopting a cluster failed', { region: c.region, name: c.name, ...errorFields(error) });
      const errorCode = known ? error.code : 'INTERNAL';
      const message = known
        ? error.message
        : `Failed for an internal reason (request ${actor.requestId}); try again.`;
      await appendAudit(
        orgId,
        entry('failed', { after: { clusterName: c.name, region: c.region, via: 'adopt' }, errorCode }),
        now,
      );
      results.push({
        region: c.region,
        name: c.name,
        outcome: 'failed',
        clusterId: null,
        tags: null,
        message,
        errorCode,
      });
    }
  }
  return {
    accountId: body.accountId,
    added: results.filter((r) => r.outcome === 'added').length,
    failed: results.filter((r) => r.outcome === 'failed').length,
    results,
  };
}

const sha256 = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * A short-lived, single-use install token for the cluster (shown once, stored as its SHA-256) and the
 * Helm, kubectl and Terraform forms that install the agent with it.
 */
export async function issueInstallToken(orgId: string, clusterId: string, createdBy: string, now: Date) {
  const cluster = await loadCluster(orgId, clusterId);
  const token = `${installTokenPrefix}${randomBytes(32).toString('base64url')}`;
  const tokenSha256 = sha256(token);
  const expiresAtIso = new Date(now.getTime() + installTokenTtlSeconds * 1000).toISOString();
  await putItem(
    installTokenEntity,
    {
      tokenSha256,
      orgId,
      clusterId,
      createdAt: now.toISOString(),
      createdBy,
      expiresAtIso,
      redeemedAt: null,
    },
    where.itemNotExists(),
  );
  const apiUrl = await port('site').appUrl();
  return {
    body: {
      clusterId,
      clusterName: cluster.name,
      token,
      expiresAt: expiresAtIso,
      install: installCommands(apiUrl, cluster.name, token),
    },
    audit: {
      clusterName: cluster.name,
      tokenSha256Prefix: tokenSha256.slice(0, 12),
      expiresAt: expiresAtIso,
    },
  };
}

export type InstallTokenRedemption = { orgId: string; clusterId: string; redeemed: boolean };

/**
 * The agent's first push with an install token: redeems it once. One transaction marks it redeemed
 * (only if not yet redeemed and not expired), makes it the cluster's agent token and revokes the previous
 * one; of two concurrent first pushes exactly one redeems it, the other finds the agent token it wrote.
 * An expired, redeemed-then-revoked or unknown token is refused with what to do.
 */
export async function redeemInstallToken(token: string, now: Date): Promise<InstallTokenRedemption | null> {
  const tokenSha256 = sha256(token);
  const found = await getItem(installTokenEntity, installTokenKey(tokenSha256), true);
  if (!found) return null;
  const again = () =>
    new UnauthorizedError(
      'This install token was already used by an agent and has since been replaced: create a new install token in the Add Cluster wizard.',
    );
  if (found.redeemedAt !== null) throw again();
  if (Date.parse(found.expiresAtIso) <= now.getTime()) {
    throw new UnauthorizedError(
      'This install token has expired (they are valid for one hour): create a new one in the Add Cluster wizard and run the install again.',
    );
  }
  const cluster = await getItem(clusterEntity, clusterKey(found.orgId, found.clusterId), true);
  if (!cluster)
    throw new UnauthorizedError('The cluster of this install token was removed: add the cluster again.');
  const items: TransactItem[] = [
    transactUpdate(
      installTokenKey(tokenSha256),
      { set: { redeemedAt: now.toISOString() } },
      where.and(where.itemExists(), where.isNull('redeemedAt'), where.gt('expiresAtIso', now.toISOString())),
    ),
    transactPut(
      agentTokenEntity,
      {
        tokenSha256,
        orgId: found.orgId,
        clusterId: found.clusterId,
        createdAt: now.toISOString(),
        createdBy: found.createdBy,
      },
      true,
    ),
    transactUpdate(
      clusterKey(found.orgId, found.clusterId),
      { set: { agentTokenSha256: tokenSha256 } },
      where.and(
        where.itemExists(),
        cluster.agentTokenSha256
          ? where.eq('agentTokenSha256', cluster.agentTokenSha256)
          : where.or(where.notExists('agentTokenSha256'), where.isNull('agentTokenSha256')),
      ),
    ),
  ];
  if (cluster.agentTokenSha256) items.push(transactDelete(agentTokenKey(cluster.agentTokenSha256)));
  try {
    await transactWrite(items);
    return { orgId: found.orgId, clusterId: found.clusterId, redeemed: true };
  } catch (error) {
    if (!cancelledConditions(error)?.some(Boolean)) throw error;
    // Another first push of the same token won: it is the cluster's agent token now.
    const winner = await getItem(agentTokenEntity, agentTokenKey(tokenSha256), true);
    if (winner) return { orgId: winner.orgId, clusterId: winner.clusterId, redeemed: false };
    throw again();
  }
}

/** The IAM actions the product needs for one cluster (a subset of the onboarding template's). */
const clusterIamActions = new Set([
  'eks:DescribeCluster',
  'eks:ListNodegroups',
  'eks:DescribeNodegroup',
  'ec2:DescribeInstances',
  'ec2:DescribeInstanceTypes',
  'ec2:DescribeSpotPriceHistory',
  'autoscaling:DescribeAutoScalingGroups',
  'cloudwatch:GetMetricData',
]);

/**
 * The agent's Kubernetes permissions checked in the cluster now (ADR 0070), with the credential the
 * collector reads it with: the uploaded kubeconfig when there is one (the port opens the sealed file
 * itself), else the account's role through its EKS access entry (a cluster adopted by discovery). A
 * cluster that cannot be asked (unreachable, no access entry, credential refused, no endpoint from EKS)
 * is reported with what to do, never as permissions missing. The access entry's check is part of `ok`
 * only while no agent reports: with a reporting agent it is the collector's fallback (`required`).
 */
async function clusterVerification(
  orgId: string,
  cluster: Awaited<ReturnType<typeof loadCluster>>,
  target: CloudTarget,
  now: Date,
): Promise<KubernetesVerification> {
  const eks = await withStoredKubeconfig(orgId, cluster.clusterId, {
    name: cluster.name,
    arn: cluster.arn ?? '',
    kubernetesVersion: cluster.kubernetesVersion,
    status: cluster.status,
    endpoint: cluster.endpoint,
    createdAt: cluster.createdAt ?? '',
    tags: cluster.tags,
  });
  const source = eks.kubeconfig ? 'kubeconfig' : 'access-entry';
  const required = source === 'kubeconfig' || cluster.agent.permissions === null;
  try {
    const results = await port('kubernetes').checkAccess(target, eks, agentKubernetesRules);
    return kubernetesVerification(source, now.toISOString(), results, null, required);
  } catch (error) {
    // KubernetesAccessError, or a refusal of the cloud side (the cluster gone, DescribeCluster denied):
    // each says what to do. A fault on our side (5xx, unclassified) fails the call instead.
    if (!(isDomainError(error) && error.statusCode < 500)) throw error;
    return kubernetesVerification(source, now.toISOString(), [], error.message, required);
  }
}

/**
 * Pre-flight: each IAM action the product needs for the cluster, tried through the cloud port with the
 * account's credentials in the cluster's region, the missing ones named; the Kubernetes permissions
 * verified in the cluster (ADR 0070): with the uploaded kubeconfig or as the role's EKS access entry, and
 * as the agent reported them about itself once it has pushed; and, for before the install, a `kubectl auth can-i`
 * script of the installer's and the agent's permissions.
 */
export async function preflight(orgId: string, clusterId: string, now: Date): Promise<PreflightResponse> {
  const cluster = await loadCluster(orgId, clusterId);
  const { target } = await connectedTarget(orgId, cluster.accountId);
  const regional = { ...target, region: cluster.region };
  const actions = customerReadActions.filter((a) => clusterIamActions.has(a.action));
  const [results, inCluster] = await Promise.all([
    port('cloud').checkPermissions(
      regional,
      actions.map((a) => a.action),
    ),
    clusterVerification(orgId, cluster, regional, now),
  ]);
  const iam = actions.map((a) => {
    const r = results.find((x) => x.action === a.action);
    return { action: a.action, allowed: r?.allowed ?? false, why: a.why, reason: r?.reason ?? null };
  });
  const missing = iam.filter((c) => !c.allowed).map((c) => c.action);
  const reported = cluster.agent.permissions;
  // Both when the agent reports too: what Spot Optimizer can read itself, and what the agent can.
  const verified = [
    inCluster,
    ...(reported ? [kubernetesVerification('agent', reported.checkedAt, reported.checks)] : []),
  ];
  const kubernetesOk = verified.every((v) => !v.required || (v.error === null && v.missing.length === 0));
  return {
    clusterId,
    ok: missing.length === 0 && kubernetesOk,
    iam,
    missing,
    kubernetes: {
      script: kubernetesPreflightScript(),
      verified,
      rules: [
        ...installerKubernetesRules.map((r) => ({ ...r, who: 'installer' as const })),
        ...agentKubernetesRules.map((r) => ({ ...r, who: 'agent' as const })),
      ],
    },
    checkedAt: now.toISOString(),
  };
}

import { randomBytes } from 'node:crypto';
import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { KubeConfig } from '@kubernetes/client-node';
import {
  type ClusterSnapshot,
  type KubernetesAccessResult,
  type KubernetesRule,
  kubeconfigCredentials,
} from '@spot/shared';
import type { LiveKarpenterObject } from '@spot/shared/karpenter/managed';
import type { CloudTarget, CustomerCloudPort, EksCluster } from '../cloud';
import type {
  ClusterHourSample,
  KubernetesCluster,
  KubernetesPort,
  NodePool,
  StoredKubeconfig,
} from '../kubernetes';
import { apiServerAccessReview, reviewRules } from '../kubernetes-access-review';
import {
  accessEntryHint,
  hibernationAccessHint,
  KubernetesAccessError,
  kubeconfigAccessHint,
} from '../kubernetes-errors';
import { requestHandlerOptions } from './cloud-timeouts';
import { containerInsightsHistory } from './kubernetes-container-insights';
import { type AwsCredentials, eksToken } from './kubernetes-eks-token';

/**
 * The agentless collector: the production KubernetesPort. For each cluster it assumes the customer's role
 * (or uses the stored keys), reads the endpoint and CA with EKS DescribeCluster, signs an EKS token
 * (STS-presigned GetCallerIdentity) and reads the cluster through the read-only access entry of that role,
 * with the same collector code as the in-cluster agent. A cluster registered by kubeconfig upload is read
 * with that file's server and credential instead (ADR 0059).
 *
 * @kubernetes/client-node and the collector are loaded on first use, so the HTTP functions that import the
 * port registry never pay for them.
 */

export interface ClusterAccess {
  endpoint: string;
  /** Base64 PEM of the cluster CA (EKS `certificateAuthority.data`); `null` = the system's trust store. */
  certificateAuthorityData: string | null;
}

export interface AgentlessOptions {
  /** AWS credentials of a target: the assumed role's temporary credentials, or the access keys. */
  credentials?: (target: CloudTarget) => Promise<AwsCredentials>;
  /** Endpoint and CA of a cluster (EKS DescribeCluster by default). */
  clusterAccess?: (
    target: CloudTarget,
    cluster: EksCluster,
    credentials: AwsCredentials,
  ) => Promise<ClusterAccess>;
  clock?: { now(): Date };
  /** The customer cloud port (CloudWatch, EC2) for the back-fill; the registry's by default. */
  cloud?: () => CustomerCloudPort;
  /** Tests against a plain-http fake API server. Never set in production. */
  skipTlsVerify?: boolean;
}

// Re-exported: the hints were first defined here, the sandbox's port says the same things.
export { accessEntryHint, kubeconfigAccessHint };

const sessionSeconds = 3600;
const refreshBeforeMs = 5 * 60_000;

export class AgentlessKubernetes implements KubernetesPort {
  private readonly sts = new STSClient({ requestHandler: requestHandlerOptions() });
  private readonly roleCredentials = new Map<string, { credentials: AwsCredentials; expiresAt: number }>();
  private readonly clock: { now(): Date };

  constructor(private readonly options: AgentlessOptions = {}) {
    this.clock = options.clock ?? { now: () => new Date() };
  }

  /**
   * A client configuration for the cluster: the uploaded kubeconfig's when it has one, else endpoint and CA
   * from EKS and a fresh EKS token.
   */
  private async kubeConfigFor(target: CloudTarget, cluster: KubernetesCluster): Promise<KubeConfig> {
    if (cluster.kubeconfig) return this.uploadedKubeConfig(target, cluster, cluster.kubeconfig);
    const credentials = await this.credentialsOf(target);
    const access = await (this.options.clusterAccess ?? describeClusterAccess)(target, cluster, credentials);
    const { token } = await eksToken({
      clusterName: cluster.name,
      region: target.region,
      credentials,
      now: this.clock.now(),
    });
    return kubeConfig(cluster.name, access, { token }, this.options.skipTlsVerify ?? false);
  }

  /**
   * The uploaded kubeconfig's server, CA and credential, opened here and dropped after the client is
   * built. The client is made from those parts only, never by loading the file, so an `exec` entry or a
   * file path in it is never used. `aws eks get-token` (which would need the AWS CLI) is replaced by the
   * collector's own EKS token for the cluster named in it, signed with the account's credentials.
   */
  private async uploadedKubeConfig(
    target: CloudTarget,
    cluster: KubernetesCluster,
    stored: StoredKubeconfig,
  ): Promise<KubeConfig> {
    let parts: ReturnType<typeof kubeconfigCredentials>;
    try {
      parts = kubeconfigCredentials(await stored.open());
    } catch (error) {
      throw new KubernetesAccessError(
        'KUBERNETES_ACCESS_DENIED',
        `The kubeconfig stored for cluster ${cluster.name} cannot be used (${error instanceof Error ? error.message : 'unreadable'}): replace its kubeconfig (Replace kubeconfig on the cluster's page).`,
        { cause: error },
      );
    }
    const access = { endpoint: parts.server, certificateAuthorityData: parts.certificateAuthorityData };
    const skip = this.options.skipTlsVerify ?? false;
    const user = parts.user;
    if (user.kind === 'token') return kubeConfig(cluster.name, access, { token: user.token }, skip);
    if (user.kind === 'client-certificate')
      return kubeConfig(
        cluster.name,
        access,
        { certData: user.certificateData, keyData: user.keyData },
        skip,
      );
    const { token } = await eksToken({
      clusterName: user.eksClusterName ?? cluster.name,
      region: target.region,
      credentials: await this.credentialsOf(target),
      now: this.clock.now(),
    });
    return kubeConfig(cluster.name, access, { token }, skip);
  }

  async collectSnapshot(target: CloudTarget, cluster: KubernetesCluster): Promise<ClusterSnapshot> {
    const kc = await this.kubeConfigFor(target, cluster);
    const { collectClusterSnapshot } = await import('../kubernetes-snapshot');
    return collectClusterSnapshot(kc, {
      clusterName: cluster.name,
      source: 'agentless',
      now: () => this.clock.now(),
      accessHint: cluster.kubeconfig ? kubeconfigAccessHint : accessEntryHint,
    });
  }

  async checkAccess(
    target: CloudTarget,
    cluster: KubernetesCluster,
    rules: readonly Pick<KubernetesRule, 'verb' | 'resource'>[],
  ): Promise<KubernetesAccessResult[]> {
    let kc: KubeConfig;
    try {
      kc = await this.kubeConfigFor(target, cluster);
    } catch (error) {
      if (error instanceof KubernetesAccessError) throw error;
      // AssumeRole or DescribeCluster refused or failed: the pre-flight says so rather than failing.
      const name = error instanceof Error ? error.name : 'no answer';
      throw new KubernetesAccessError(
        'KUBERNETES_UNREACHABLE',
        `Spot Optimizer could not get the API endpoint of cluster ${cluster.name} with the account's credentials (${name}): check that the role may call eks:DescribeCluster on it and that the cluster still exists.`,
        { cause: error },
      );
    }
    try {
      return await reviewRules(await apiServerAccessReview(kc), rules);
    } catch (error) {
      const code = (error as { code?: number }).code;
      if (code === 401 || code === 403)
        throw new KubernetesAccessError(
          'KUBERNETES_ACCESS_DENIED',
          `Cluster ${cluster.name} refused the credential (HTTP ${code}). ${cluster.kubeconfig ? kubeconfigAccessHint : accessEntryHint}`,
          { cause: error },
        );
      throw new KubernetesAccessError(
        'KUBERNETES_UNREACHABLE',
        `The API server of cluster ${cluster.name} did not answer (${error instanceof Error ? error.message : 'no answer'}): check its address and that it accepts connections from Spot Optimizer.`,
        { cause: error },
      );
    }
  }

  /** 30 days from CloudWatch Container Insights where enabled (see `container-insights.ts`). */
  async history(
    target: CloudTarget,
    cluster: EksCluster,
    from: Date,
    to: Date,
  ): Promise<ClusterHourSample[] | null> {
    // The registry is imported here, not at the top: it imports this module.
    const cloud = this.options.cloud?.() ?? (await import('../index')).port('cloud');
    return containerInsightsHistory(cloud, target, cluster, from, to);
  }

  async listNodePools(target: CloudTarget, cluster: KubernetesCluster): Promise<NodePool[]> {
    const kc = await this.kubeConfigFor(target, cluster);
    const { CoreV1Api, CustomObjectsApi } = await import('@kubernetes/client-node');
    return hibernationCall(cluster.name, async () => {
      const pools = (await kc
        .makeApiClient(CustomObjectsApi)
        .listClusterCustomObject({ ...nodePools, plural: 'nodepools' })) as {
        items?: { metadata?: { name?: string }; spec?: { limits?: { cpu?: string | number } } }[];
      };
      const nodes = await kc.makeApiClient(CoreV1Api).listNode({ labelSelector: 'karpenter.sh/nodepool' });
      const counts = new Map<string, number>();
      for (const n of nodes.items) {
        const pool = n.metadata?.labels?.['karpenter.sh/nodepool'];
        if (pool) counts.set(pool, (counts.get(pool) ?? 0) + 1);
      }
      return (pools.items ?? []).flatMap((p) => {
        const name = p.metadata?.name;
        if (!name) return [];
        const cpu = p.spec?.limits?.cpu;
        return [{ name, cpuLimit: cpu === undefined ? null : String(cpu), nodeCount: counts.get(name) ?? 0 }];
      });
    });
  }

  async listKarpenterObjects(
    target: CloudTarget,
    cluster: KubernetesCluster,
  ): Promise<LiveKarpenterObject[]> {
    const kc = await this.kubeConfigFor(target, cluster);
    const { CustomObjectsApi } = await import('@kubernetes/client-node');
    const api = kc.makeApiClient(CustomObjectsApi);
    type Listed = {
      items?: {
        metadata?: { name?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
        spec?: Record<string, unknown>;
      }[];
    };
    const list = async (kind: LiveKarpenterObject['kind'], group: string, plural: string) => {
      try {
        const listed = (await api.listClusterCustomObject({ group, version: 'v1', plural })) as Listed;
        return (listed.items ?? []).flatMap((o) =>
          o.metadata?.name
            ? [
                {
                  kind,
                  name: o.metadata.name,
                  labels: o.metadata.labels ?? {},
                  annotations: o.metadata.annotations ?? {},
                  spec: o.spec ?? {},
                },
              ]
            : [],
        );
      } catch (error) {
        // No Karpenter CRDs in the cluster: nothing to list.
        if ((error as { code?: number }).code === 404) return [];
        const code = (error as { code?: number }).code;
        if (code === 401 || code === 403)
          throw new KubernetesAccessError(
            'KUBERNETES_ACCESS_DENIED',
            `Cluster ${cluster.name} does not let Spot Optimizer list ${plural}.${group}: ${cluster.kubeconfig ? kubeconfigAccessHint : accessEntryHint}`,
          );
        throw error;
      }
    };
    return [
      ...(await list('NodePool', 'karpenter.sh', 'nodepools')),
      ...(await list('EC2NodeClass', 'karpenter.k8s.aws', 'ec2nodeclasses')),
    ];
  }

  async setNodePoolCpuLimit(
    target: CloudTarget,
    cluster: KubernetesCluster,
    nodePool: string,
    cpuLimit: string | null,
  ): Promise<void> {
    const kc = await this.kubeConfigFor(target, cluster);
    const { CustomObjectsApi, PatchStrategy, setHeaderOptions } = await import('@kubernetes/client-node');
    await hibernationCall(cluster.name, () =>
      kc.makeApiClient(CustomObjectsApi).patchClusterCustomObject(
        // A JSON merge patch: `null` removes the limit.
        { ...nodePools, plural: 'nodepools', name: nodePool, body: { spec: { limits: { cpu: cpuLimit } } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      ),
    );
  }

  async removeNodePoolNodes(
    target: CloudTarget,
    cluster: KubernetesCluster,
    nodePool: string,
    keepNodeNames: readonly string[],
  ): Promise<void> {
    const kc = await this.kubeConfigFor(target, cluster);
    const { CustomObjectsApi } = await import('@kubernetes/client-node');
    const api = kc.makeApiClient(CustomObjectsApi);
    const keep = new Set(keepNodeNames);
    await hibernationCall(cluster.name, async () => {
      const claims = (await api.listClusterCustomObject({
        ...nodePools,
        plural: 'nodeclaims',
        labelSelector: `karpenter.sh/nodepool=${nodePool}`,
      })) as { items?: { metadata?: { name?: string }; status?: { nodeName?: string } }[] };
      for (const claim of claims.items ?? []) {
        const name = claim.metadata?.name;
        if (!name || keep.has(claim.status?.nodeName ?? '')) continue;
        await api.deleteClusterCustomObject({ ...nodePools, plural: 'nodeclaims', name });
      }
    });
  }

  private async credentialsOf(target: CloudTarget): Promise<AwsCredentials> {
    if (this.options.credentials) return this.options.credentials(target);
    const c = target.credentials;
    if (c.kind === 'access-key') return { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey };
    const key = `${c.roleArn}\n${c.externalId}`;
    const cached = this.roleCredentials.get(key);
    if (cached && cached.expiresAt - this.clock.now().getTime() > refreshBeforeMs) return cached.credentials;
    const out = await this.sts.send(
      new AssumeRoleCommand({
        RoleArn: c.roleArn,
        ExternalId: c.externalId,
        RoleSessionName: `spot-optimizer-k8s-${randomBytes(4).toString('hex')}`,
        DurationSeconds: sessionSeconds,
      }),
    );
    const issued = out.Credentials;
    if (!issued?.AccessKeyId || !issued.SecretAccessKey || !issued.SessionToken) {
      throw new KubernetesAccessError(
        'KUBERNETES_ACCESS_DENIED',
        `STS returned no credentials for ${c.roleArn}.`,
      );
    }
    const credentials = {
      accessKeyId: issued.AccessKeyId,
      secretAccessKey: issued.SecretAccessKey,
      sessionToken: issued.SessionToken,
    };
    this.roleCredentials.set(key, {
      credentials,
      expiresAt: issued.Expiration?.getTime() ?? this.clock.now().getTime() + sessionSeconds * 1000,
    });
    return credentials;
  }
}

const nodePools = { group: 'karpenter.sh', version: 'v1' } as const;

/** A Kubernetes call of hibernation; a 401/403 becomes an access error that says what to grant. */
async function hibernationCall<T>(clusterName: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const code = (error as { code?: number }).code;
    if (code === 401 || code === 403)
      throw new KubernetesAccessError(
        'KUBERNETES_ACCESS_DENIED',
        `Cluster ${clusterName} refused the change (HTTP ${code}). ${hibernationAccessHint}`,
        { cause: error },
      );
    throw error;
  }
}

/** Endpoint and CA from EKS DescribeCluster, with the target's credentials. */
export async function describeClusterAccess(
  target: CloudTarget,
  cluster: EksCluster,
  credentials: AwsCredentials,
): Promise<ClusterAccess> {
  const eks = new EKSClient({ region: target.region, credentials, requestHandler: requestHandlerOptions() });
  try {
    const out = await eks.send(new DescribeClusterCommand({ name: cluster.name }));
    const endpoint = out.cluster?.endpoint ?? cluster.endpoint;
    if (!endpoint) {
      throw new KubernetesAccessError(
        'KUBERNETES_NO_ENDPOINT',
        `EKS reports no API endpoint for cluster ${cluster.name}.`,
      );
    }
    return { endpoint, certificateAuthorityData: out.cluster?.certificateAuthority?.data ?? null };
  } finally {
    eks.destroy();
  }
}

/** A bearer token, or a client certificate and key (base64 PEM, as in a kubeconfig). */
type KubeUser = { token: string } | { certData: string; keyData: string };

async function kubeConfig(
  clusterName: string,
  access: ClusterAccess,
  user: KubeUser,
  skipTlsVerify: boolean,
): Promise<KubeConfig> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      {
        name: clusterName,
        server: access.endpoint,
        ...(access.certificateAuthorityData ? { caData: access.certificateAuthorityData } : {}),
        skipTLSVerify: skipTlsVerify,
      },
    ],
    users: [{ name: 'spot-optimizer', ...user }],
    contexts: [{ name: 'spot-optimizer', cluster: clusterName, user: 'spot-optimizer' }],
    currentContext: 'spot-optimizer',
  });
  return kc;
}

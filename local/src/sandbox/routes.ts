/**
 * Local-only routes of the sandbox cloud, mounted by the local gateway next to the product's API:
 *
 * - `POST /sandbox/accounts/{awsAccountId}/onboarding-stack` `{ externalId, enableWriteActions? }`
 *   stands for the customer deploying the onboarding template in that account; answers `{ roleArn }`.
 * - `PUT /sandbox/clusters/{name}/spot-capacity` `{ nodePool?, available, instanceTypes? }`: spot capacity of
 *   Spot Optimizer's Karpenter pools runs out (InsufficientInstanceCapacity) or comes back (ADR 0042);
 *   with `autoScalingGroup`, that group's spot launches fail instead (ADR 0046).
 * - `POST /sandbox/clusters/{name}/create` stands for a team creating that EKS cluster now, after the
 *   account was connected (only clusters of the world marked `createdOnRequest`); answers
 *   `{ name, createdAt }`. Until a discovery or the Add Cluster wizard adopts it, it is unmanaged.
 * - `DELETE /sandbox/clusters/{name}` stands for the team deleting a cluster it created on request (it is
 *   no longer listed; `create` makes it again): `{ name, deleted }`, 409 for one that always existed or
 *   is not created.
 * - `GET /sandbox/clusters/{name}/kubeconfig` -> a read-only kubeconfig of the cluster (YAML, with its
 *   service-account token), what a customer uploads in the Add Cluster wizard (ADR 0059);
 *   `?auth=client-certificate`: with the client certificate and key the cluster issued instead (ADR 0065).
 * - `PUT /sandbox/clusters/{name}/access-entry` `{ present }`: removes (or restores) the EKS access entry
 *   of the platform's role; without it the agentless collector reads the cluster only with an uploaded
 *   kubeconfig (a restricted cluster).
 * - `PUT /sandbox/clusters/{name}/rbac` `{ verb, resource, allowed, subject? }`: takes a Kubernetes
 *   permission away from (or gives it back to) the cluster's RBAC subject `kubeconfig` (the uploaded
 *   kubeconfig's user), `role` (the access entry), `agent` (the agent's service account) or `all` (the
 *   default); SelfSubjectAccessReviews answer accordingly, and so do the lists that subject makes: the
 *   collector's or the agent's read of a list taken away is a 403 (ADR 0070, `rbac.ts`).
 * - `GET /sandbox/accounts` -> `{ seed, size, items: [...] }`: the sandbox's accounts, regions, clusters
 *   and access key IDs (no secrets: those are printed at start-up and kept in `.local/sandbox.json`).
 */
import { isDomainError } from '@spot/shared/errors';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { z } from 'zod';
import type { ExtraRoute } from '../gateway';
import type { SandboxCloud } from './cloud';
import { rbacSubjects } from './rbac';
import { clusterDirectory } from './world';

/** External IDs are lowercase UUIDs, as the onboarding template's parameter pattern enforces. */
const onboardingBodySchema = z.object({
  externalId: z
    .string()
    .regex(
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
      'externalId must be a lowercase UUID',
    ),
  enableWriteActions: z.boolean().optional(),
});

const json = (statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

function parseBody(event: APIGatewayProxyEventV2): unknown {
  if (!event.body) return {};
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  return JSON.parse(text);
}

/** The body parsed by `schema`, or the 400 naming what is wrong (`example`: the JSON it expects). */
function validBody<T>(
  event: APIGatewayProxyEventV2,
  schema: z.ZodType<T>,
  example: string,
): { data: T } | { response: APIGatewayProxyStructuredResultV2 } {
  let body: unknown;
  try {
    body = parseBody(event);
  } catch {
    return { response: json(400, { message: `The body must be JSON: ${example}.` }) };
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success)
    return {
      response: json(400, {
        message: `Invalid body: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}.`,
      }),
    };
  return { data: parsed.data };
}

/** `PUT /sandbox/clusters/{name}/spot-capacity`: spot capacity of a Karpenter pool runs out, or comes back. */
const spotCapacityBodySchema = z.object({
  /** The NodePool, or `*` for every pool of the cluster. */
  nodePool: z.string().min(1).max(253).default('*'),
  available: z.boolean(),
  /** Only these instance types run out (all when absent). */
  instanceTypes: z.array(z.string().min(1).max(64)).max(100).optional(),
  /** An Auto Scaling group of the cluster instead of its Karpenter pools (ADR 0046). */
  autoScalingGroup: z.string().min(1).max(255).optional(),
});

const accessEntryBodySchema = z.object({ present: z.boolean() });

const rbacBodySchema = z.strictObject({
  verb: z.string().min(1).max(32),
  /** As in the pre-flight's rules: `events`, `deployments.apps`, `nodes.metrics.k8s.io`. */
  resource: z.string().min(1).max(128),
  allowed: z.boolean(),
  subject: z.enum([...rbacSubjects, 'all']).default('all'),
});

export function sandboxRoutes(sandbox: SandboxCloud): ExtraRoute[] {
  return [
    {
      method: 'PUT',
      path: '/sandbox/clusters/{name}/spot-capacity',
      handler: (event) => {
        const name = event.pathParameters?.name ?? '';
        if (!sandbox.world.clusters.some((c) => c.name === name))
          return json(404, {
            message: `The sandbox has no cluster ${name}. GET /sandbox/accounts lists them.`,
          });
        const parsed = validBody(event, spotCapacityBodySchema, '{"nodePool": "*", "available": false}');
        if ('response' in parsed) return parsed.response;
        const { nodePool, available, instanceTypes, autoScalingGroup } = parsed.data;
        if (autoScalingGroup !== undefined) {
          const cluster = sandbox.world.clusters.find((c) => c.name === name);
          if (!cluster?.nodeGroups.some((g) => g.autoScalingGroupName === autoScalingGroup))
            return json(404, { message: `Cluster ${name} has no Auto Scaling group ${autoScalingGroup}.` });
          sandbox.asgSpot.setShortage(autoScalingGroup, !available, sandbox.now());
          return json(200, { cluster: name, autoScalingGroup, available });
        }
        sandbox.kubernetes.pools.setSpotShortage(name, nodePool, available ? null : (instanceTypes ?? 'all'));
        return json(200, { cluster: name, nodePool, available, instanceTypes: instanceTypes ?? null });
      },
    },
    {
      method: 'POST',
      path: '/sandbox/clusters/{name}/create',
      handler: (event) => {
        const name = event.pathParameters?.name ?? '';
        const cluster = sandbox.world.clusters.find((c) => c.name === name);
        if (!cluster)
          return json(404, {
            message: `The sandbox has no cluster ${name}. GET /sandbox/accounts lists them.`,
          });
        const created = sandbox.createCluster(name);
        if (!created)
          return json(409, {
            message: `The cluster ${name} has existed since the sandbox began; only clusters listed with createdOnRequest can be created.`,
          });
        return json(200, created);
      },
    },
    {
      method: 'DELETE',
      path: '/sandbox/clusters/{name}',
      handler: (event) => {
        const name = event.pathParameters?.name ?? '';
        if (!sandbox.world.clusters.some((c) => c.name === name))
          return json(404, {
            message: `The sandbox has no cluster ${name}. GET /sandbox/accounts lists them.`,
          });
        if (!sandbox.deleteCluster(name))
          return json(409, {
            message: `The cluster ${name} cannot be deleted: only a cluster created with POST /sandbox/clusters/{name}/create can.`,
          });
        return json(200, { name, deleted: true });
      },
    },
    {
      method: 'GET',
      path: '/sandbox/clusters/{name}/kubeconfig',
      handler: (event) => {
        const name = event.pathParameters?.name ?? '';
        const auth = event.queryStringParameters?.auth ?? 'token';
        if (auth !== 'token' && auth !== 'client-certificate')
          return json(400, { message: 'auth is "token" (the default) or "client-certificate".' });
        const text = sandbox.kubeconfigFor(name, auth);
        if (text === undefined)
          return json(404, {
            message: `The sandbox has no cluster ${name} (or it is not created yet). GET /sandbox/accounts lists them.`,
          });
        return {
          statusCode: 200,
          headers: { 'content-type': 'application/yaml', 'cache-control': 'no-store' },
          body: text,
        };
      },
    },
    {
      method: 'PUT',
      path: '/sandbox/clusters/{name}/access-entry',
      handler: (event) => {
        const name = event.pathParameters?.name ?? '';
        let parsed: ReturnType<typeof accessEntryBodySchema.safeParse>;
        try {
          parsed = accessEntryBodySchema.safeParse(parseBody(event));
        } catch {
          return json(400, { message: 'The body must be JSON: {"present": false}.' });
        }
        if (!parsed.success) return json(400, { message: 'The body must be {"present": true|false}.' });
        if (!sandbox.setAccessEntry(name, parsed.data.present))
          return json(404, {
            message: `The sandbox has no cluster ${name}. GET /sandbox/accounts lists them.`,
          });
        return json(200, { cluster: name, accessEntry: parsed.data.present });
      },
    },
    {
      method: 'PUT',
      path: '/sandbox/clusters/{name}/rbac',
      handler: (event) => {
        const name = event.pathParameters?.name ?? '';
        if (!sandbox.world.clusters.some((c) => c.name === name))
          return json(404, {
            message: `The sandbox has no cluster ${name}. GET /sandbox/accounts lists them.`,
          });
        const parsed = validBody(
          event,
          rbacBodySchema,
          '{"verb": "list", "resource": "events", "allowed": false}',
        );
        if ('response' in parsed) return parsed.response;
        const { verb, resource, allowed, subject } = parsed.data;
        const subjects = subject === 'all' ? rbacSubjects : [subject];
        sandbox.rbac.set(name, subjects, verb, resource, allowed);
        return json(200, { cluster: name, verb, resource, allowed, subjects });
      },
    },
    {
      method: 'POST',
      path: '/sandbox/accounts/{awsAccountId}/onboarding-stack',
      handler: (event) => {
        const awsAccountId = event.pathParameters?.awsAccountId ?? '';
        if (!sandbox.accounts.some((a) => a.awsAccountId === awsAccountId))
          return json(404, {
            message: `The sandbox has no account ${awsAccountId}. GET /sandbox/accounts lists its accounts.`,
          });
        const parsed = validBody(
          event,
          onboardingBodySchema,
          '{"externalId": "<uuid>", "enableWriteActions": false}',
        );
        if ('response' in parsed) return parsed.response;
        try {
          const { roleArn } = sandbox.deployOnboardingStack(
            awsAccountId,
            parsed.data.externalId,
            parsed.data.enableWriteActions ?? false,
          );
          return json(200, { roleArn });
        } catch (err) {
          if (isDomainError(err)) return json(err.statusCode, { message: err.message });
          throw err;
        }
      },
    },
    {
      method: 'GET',
      path: '/sandbox/accounts',
      handler: () =>
        json(200, {
          seed: sandbox.seed,
          size: sandbox.size,
          items: sandbox.accounts.map((a, index) => {
            // From the plan, not the world: this route must answer at once, before the world is built.
            const clusters = clusterDirectory(sandbox.seed, sandbox.size).filter((c) => c.account === index);
            return {
              awsAccountId: a.awsAccountId,
              name: a.name,
              homeRegion: a.homeRegion,
              accessKeyId: a.accessKeyId,
              regions: [...new Set(clusters.map((c) => c.region))],
              clusters: clusters.map((c) => ({
                name: c.name,
                region: c.region,
                env: c.env,
                ...(c.createdOnRequest ? { createdOnRequest: true } : {}),
              })),
            };
          }),
        }),
    },
  ];
}

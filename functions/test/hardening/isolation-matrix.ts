import { apiContracts, type RouteContract } from '@spot/shared';
import { z } from 'zod';
import { type RouteDefinition, routeKey } from '../../src/routes';

/**
 * The tenant isolation matrix, generated from the route table: every place a request can name an object
 * (a path parameter, an id-like query or body field) must say which of another organization's objects to
 * put there, or why the field names no object. A route that gains such a field, or a new route with one,
 * and no case here makes {@link buildIsolationMatrix} throw, so the suite fails until someone decides
 * what the foreign id is.
 */

/** The kinds of object a foreign id can name; the suite seeds one of each in both organizations. */
export type IdKind =
  | 'account'
  | 'cluster'
  | 'clusterCursor'
  | 'nodeTemplate'
  | 'auditRecord'
  | 'auditDestination'
  /** A command queued for the cluster's agent (issue 14): named by the agent routes with an agent token. */
  | 'agentCommand';

/** A field that looks like an id but names no object of the caller's organization, and why. */
export interface NotAnObject {
  readonly notAnObject: string;
}

export interface RouteCase {
  /** `path.id`, `query.accountId`, `body.clusterId`: the kind of foreign object to put there. */
  readonly ids: Readonly<Record<string, IdKind | NotAnObject>>;
  /** The rest of a valid request body (the id fields are added to it). */
  readonly body?: Record<string, unknown>;
  /** Query fields the route needs besides the id fields (`region`). */
  readonly query?: Record<string, string>;
  /** Path parameters that name no object (a policy `version`), so the request reaches the id check. */
  readonly path?: Record<string, string>;
}

/** A field name that names an object: `id`, `accountId`, `clusterId`, a pagination `cursor`. */
const idLike = /^id$|Id$|^cursor$/;

/** The object-naming places of a route: all its path parameters and its id-like query and body fields. */
export function idSlotsOf(
  route: Pick<RouteDefinition, 'path'>,
  contract: RouteContract | undefined,
): string[] {
  const path = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => `path.${m[1]}`);
  const fields = (where: 'query' | 'body', schema: z.ZodType | undefined) =>
    [...new Set(objectKeys(schema))].filter((k) => idLike.test(k)).map((k) => `${where}.${k}`);
  return [...path, ...fields('query', contract?.query), ...fields('body', contract?.body)];
}

/** The keys of an object schema, of every option of a (discriminated) union, through wrappers. */
function objectKeys(schema: z.ZodType | undefined): string[] {
  if (!schema) return [];
  if (schema instanceof z.ZodObject) return Object.keys(schema.shape);
  if (schema instanceof z.ZodUnion) return (schema.options as z.ZodType[]).flatMap(objectKeys);
  if (schema instanceof z.ZodPipe) return objectKeys(schema.in as z.ZodType);
  const inner = (schema as { unwrap?: () => z.ZodType }).unwrap;
  return typeof inner === 'function' ? objectKeys(inner.call(schema)) : [];
}

/** One cell: a route, the place a foreign id goes, and what kind of object it is. */
export interface IsolationProbe {
  readonly route: RouteDefinition;
  readonly key: string;
  readonly slot: string;
  readonly kind: IdKind;
  readonly body?: Record<string, unknown>;
  readonly query?: Record<string, string>;
  readonly path?: Record<string, string>;
}

/**
 * The probes of the matrix: one per route and object-naming place. Throws, naming every route and
 * place, when a place has no case, or a case names a place the route does not have (a stale case).
 */
export function buildIsolationMatrix(
  routeTable: readonly RouteDefinition[],
  cases: Readonly<Record<string, RouteCase>>,
  contracts: Readonly<Record<string, RouteContract>> = apiContracts,
): IsolationProbe[] {
  const probes: IsolationProbe[] = [];
  const missing: string[] = [];
  const stale: string[] = [];
  for (const route of routeTable) {
    if (route.auth === 'public') continue;
    const key = routeKey(route);
    const slots = idSlotsOf(route, contracts[key]);
    const routeCase = cases[key];
    for (const slot of slots) {
      const kind = routeCase?.ids[slot];
      if (kind === undefined) missing.push(`${key} ${slot}`);
      else if (typeof kind === 'string')
        probes.push({
          route,
          key,
          slot,
          kind,
          body: routeCase?.body,
          query: routeCase?.query,
          path: routeCase?.path,
        });
    }
    for (const slot of Object.keys(routeCase?.ids ?? {}))
      if (!slots.includes(slot)) stale.push(`${key} ${slot}`);
  }
  for (const key of Object.keys(cases))
    if (!routeTable.some((r) => routeKey(r) === key)) stale.push(`${key} (no such route)`);
  if (missing.length || stale.length) {
    throw new Error(
      [
        missing.length
          ? `No tenant isolation case for: ${missing.join(', ')}. Add the kind of foreign object to isolationCases.`
          : '',
        stale.length ? `Isolation cases for places that do not exist: ${stale.join(', ')}.` : '',
      ]
        .filter(Boolean)
        .join(' '),
    );
  }
  return probes;
}

/** A node template body the routes accept (the seeding and the template probes use it). */
export const templateDraft = {
  name: 'Isolation template',
  families: ['m5', 'c5'],
  architecture: 'x86_64',
  capacityType: 'spot',
  disk: { type: 'gp3', sizeGiB: 50 },
};

const policyVersion: NotAnObject = {
  notAnObject:
    'a version number within the scope the route names (the caller’s own organization, account or cluster)',
};

/**
 * The cases of today's routes. `body` is the rest of a request the route would accept, so a 404 is about
 * the id and not a 400 about a missing field.
 */
export const isolationCases: Record<string, RouteCase> = {
  'GET /api/client/accounts/{id}': { ids: { 'path.id': 'account' } },
  'PATCH /api/client/accounts/{id}': { ids: { 'path.id': 'account' }, body: { name: 'Taken over' } },
  'DELETE /api/client/accounts/{id}': { ids: { 'path.id': 'account' } },
  'POST /api/client/accounts/{id}/resync': { ids: { 'path.id': 'account' } },
  'GET /api/client/clusters': {
    ids: { 'query.accountId': 'account', 'query.cursor': 'clusterCursor' },
  },
  'GET /api/client/clusters/{id}': { ids: { 'path.id': 'cluster' } },
  'GET /api/client/clusters/summary': { ids: { 'query.accountId': 'account' } },
  // The clusters of `ids` are checked one by one (each its own result, tested in cluster-registry.ddb).
  'POST /api/client/clusters/bulk': {
    ids: { 'body.templateId': 'nodeTemplate' },
    body: { action: 'apply-template', ids: ['eks-00000000000000000000'] },
  },
  'POST /api/client/clusters/{id}/agent-token': { ids: { 'path.id': 'cluster' } },
  // Sync Now (ADR 0076): another organization's cluster cannot be asked for a snapshot nor followed.
  'POST /api/client/clusters/{id}/sync': { ids: { 'path.id': 'cluster' } },
  'GET /api/client/clusters/{id}/sync': { ids: { 'path.id': 'cluster' } },
  // The Add Cluster wizard (ADR 0051): another organization's account cannot be scanned or adopted from.
  'POST /api/client/accounts/{id}/cluster-scan': {
    ids: { 'path.id': 'account' },
    body: { regions: ['us-east-1'] },
  },
  'POST /api/client/clusters': {
    ids: { 'body.accountId': 'account' },
    body: { method: 'discovered', region: 'us-east-1', name: 'taken-over' },
  },
  'POST /api/client/clusters/adopt': {
    ids: { 'body.accountId': 'account' },
    body: { clusters: [{ region: 'us-east-1', name: 'taken-over' }] },
  },
  'PUT /api/client/clusters/{id}/kubeconfig': {
    ids: { 'path.id': 'cluster' },
    body: {
      kubeconfig: JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          { name: 'c', cluster: { server: 'https://10.0.0.1', 'certificate-authority-data': 'Q0E=' } },
        ],
        contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
        users: [{ name: 'u', user: { token: 'isolation-probe-token' } }],
      }),
    },
  },
  'POST /api/client/clusters/{id}/install-token': { ids: { 'path.id': 'cluster' } },
  'POST /api/client/clusters/{id}/preflight': { ids: { 'path.id': 'cluster' } },
  'GET /api/client/dashboard': { ids: { 'query.accountId': 'account', 'query.clusterId': 'cluster' } },
  'GET /api/client/dashboard/resource-gap': {
    ids: { 'query.accountId': 'account', 'query.clusterId': 'cluster' },
  },
  'POST /api/ingest/snapshots': {
    ids: { 'body.clusterId': 'cluster' },
    body: { kind: 'heartbeat', agentVersion: '0.1.0' },
  },
  'POST /api/client/accounts/role-setup': {
    ids: {
      'body.awsAccountId': {
        notAnObject:
          "the customer's 12-digit AWS account number: setting up a role names no stored object (accounts.ddb tests the claim)",
      },
    },
  },
  'POST /api/client/accounts/connect': {
    ids: {
      'body.awsAccountId': {
        notAnObject:
          'an AWS account belongs to one organization at a time; connecting a claimed one is the 409 of accounts.ddb',
      },
      'body.externalId': {
        notAnObject: 'proved by assuming the customer role with it; a foreign one fails the role check',
      },
      'body.accessKeyId': { notAnObject: "the customer's own AWS credentials, checked against AWS" },
    },
  },
  'GET /api/client/accounts/{id}/security-groups': {
    ids: { 'path.id': 'account' },
    query: { region: 'eu-central-1' },
  },
  'POST /api/client/node-templates/validate': {
    ids: {
      'query.accountId': 'account',
      'body.templateId': {
        notAnObject:
          "only exempts the template's own name from the duplicate check, among the caller's own name claims; node-templates.ddb tests it",
      },
    },
    body: templateDraft,
  },
  'GET /api/client/node-templates/{id}': { ids: { 'path.id': 'nodeTemplate' } },
  'PUT /api/client/node-templates/{id}': {
    ids: { 'path.id': 'nodeTemplate' },
    body: { ...templateDraft, name: 'Taken over', version: 1 },
  },
  'DELETE /api/client/node-templates/{id}': { ids: { 'path.id': 'nodeTemplate' } },
  'POST /api/client/node-templates/{id}/clone': {
    ids: { 'path.id': 'nodeTemplate' },
    body: { name: 'Stolen copy' },
  },
  'POST /api/client/node-templates/{id}/default': { ids: { 'path.id': 'nodeTemplate' } },
  'GET /api/client/node-templates/{id}/karpenter': { ids: { 'path.id': 'nodeTemplate' } },
  'POST /api/client/policy/versions/{version}/restore': { ids: { 'path.version': policyVersion } },
  'GET /api/client/accounts/{id}/policy': { ids: { 'path.id': 'account' } },
  'PUT /api/client/accounts/{id}/policy': {
    ids: { 'path.id': 'account' },
    body: { version: 0, policy: { infrastructure: { binPacking: { aggressiveness: 'aggressive' } } } },
  },
  'GET /api/client/accounts/{id}/policy/versions': { ids: { 'path.id': 'account' } },
  'POST /api/client/accounts/{id}/policy/versions/{version}/restore': {
    ids: { 'path.id': 'account', 'path.version': policyVersion },
    path: { version: '1' },
  },
  'GET /api/client/clusters/{id}/policy': { ids: { 'path.id': 'cluster' } },
  'PUT /api/client/clusters/{id}/policy': {
    ids: { 'path.id': 'cluster' },
    body: { version: 0, policy: { governance: { excludedNamespaces: [] } } },
  },
  'GET /api/client/clusters/{id}/policy/versions': { ids: { 'path.id': 'cluster' } },
  'POST /api/client/clusters/{id}/policy/versions/{version}/restore': {
    ids: { 'path.id': 'cluster', 'path.version': policyVersion },
    path: { version: '1' },
  },
  'GET /api/client/clusters/{id}/policy/effective': { ids: { 'path.id': 'cluster' } },
  'GET /api/client/audit': {
    ids: {
      'query.cursor': {
        notAnObject:
          'a signed cursor bound to the organization and filters it was made for: a foreign one is the same 400 as a forged one (audit.ddb tests it)',
      },
    },
  },
  'GET /api/client/audit/{id}': { ids: { 'path.id': 'auditRecord' } },
  'POST /api/client/audit/settings/test-event': { ids: { 'body.destinationId': 'auditDestination' } },
  'POST /api/client/clusters/{id}/policy/preview': {
    ids: { 'path.id': 'cluster' },
    body: { policy: { infrastructure: { binPacking: { aggressiveness: 'aggressive' } } } },
  },
  'POST /api/client/clusters/{id}/consolidation': { ids: { 'path.id': 'cluster' }, body: { dryRun: true } },
  'POST /api/client/clusters/{id}/rightsizing': { ids: { 'path.id': 'cluster' }, body: { dryRun: true } },
  'GET /api/client/clusters/{id}/actions': {
    ids: {
      'path.id': 'cluster',
      'query.cursor': {
        notAnObject:
          "a position among the done actions of the cluster in the path; the server builds the partition from the caller's organization and that cluster",
      },
    },
  },
  'GET /api/client/clusters/{id}/karpenter': { ids: { 'path.id': 'cluster' } },
  'POST /api/client/clusters/{id}/karpenter/reconcile': { ids: { 'path.id': 'cluster' } },
  'GET /api/client/clusters/{id}/hibernation': { ids: { 'path.id': 'cluster' } },
  'PUT /api/client/clusters/{id}/hibernation': {
    ids: { 'path.id': 'cluster' },
    body: {
      version: 0,
      schedule: {
        enabled: true,
        timeZone: 'Europe/Berlin',
        weeklyGrid: Array.from({ length: 7 }, () => Array.from({ length: 48 }, () => false)),
      },
    },
  },
  'POST /api/client/clusters/{id}/hibernation/wake': { ids: { 'path.id': 'cluster' }, body: { hours: 1 } },
  'POST /api/client/clusters/{id}/hibernation/sleep': { ids: { 'path.id': 'cluster' } },
  'PUT /api/client/clusters/{id}/maintenance': { ids: { 'path.id': 'cluster' }, body: { enabled: true } },
  'GET /api/client/clusters/{id}/drift': { ids: { 'path.id': 'cluster' } },
  'GET /api/client/clusters/{id}/agent-upgrades': { ids: { 'path.id': 'cluster' } },
  'GET /api/client/clusters/{id}/compliance': { ids: { 'path.id': 'cluster' } },
  'GET /api/client/clusters/{id}/budget': { ids: { 'path.id': 'cluster' } },
  'PUT /api/client/clusters/{id}/budget': { ids: { 'path.id': 'cluster' }, body: { monthlyBudgetUsd: 1000 } },
  'PUT /api/client/clusters/{id}/node-groups/{groupId}': {
    ids: {
      'path.id': 'cluster',
      'path.groupId': {
        notAnObject:
          "a node group of the cluster in the path: its key is built from the caller's organization and that cluster",
      },
    },
    path: { groupId: 'asg-workers' },
    body: { minSize: 0, maxSize: 3 },
  },
  'POST /api/agent/commands/{id}/result': {
    ids: { 'path.id': 'agentCommand' },
    body: { outcome: 'succeeded' },
  },
};

/** Routes whose answers list or search the organization's items: B's answers must hold nothing of A's. */
export function listingRoutes(routeTable: readonly RouteDefinition[]): RouteDefinition[] {
  return routeTable.filter((r) => r.auth === 'user' && r.method === 'GET' && !r.path.includes('{'));
}

/**
 * The one route table of the HTTP API. The CDK API stack makes one Lambda function per row and the
 * local gateway mounts the same handler modules on the same paths, so the two cannot disagree.
 * `handler` is the module under `functions/src/handlers/` (without extension) exporting `handler`.
 */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
/** `agent`: a per-cluster agent token (not a user JWT), checked by the middleware against its SHA-256. */
export type RouteAuth = 'public' | 'user' | 'admin' | 'agent';

export interface RouteDefinition {
  readonly method: HttpMethod;
  /** API Gateway syntax: `/api/client/accounts/{id}`. */
  readonly path: string;
  readonly handler: string;
  readonly auth: RouteAuth;
  /** Routes that call the customer's cloud or a workflow get more time than the default 10 s. */
  readonly timeoutSeconds?: number;
  /**
   * What the function may touch beyond reading the table; the CDK construct grants exactly these.
   * `table-write`: put/update/delete/transact on the table; `identity`: the Cognito user pool;
   * `workflows`: start executions of the product's state machines; `schedules`: EventBridge Scheduler
   * in the product's group; `secrets`: KMS data keys; `customer-cloud`: sts:AssumeRole into customer roles.
   */
  readonly needs?: readonly RoutePermission[];
}

export type RoutePermission =
  | 'table-write'
  | 'identity'
  | 'workflows'
  | 'schedules'
  | 'secrets'
  | 'customer-cloud';

export const routes: readonly RouteDefinition[] = [
  { method: 'GET', path: '/api/health', handler: 'health', auth: 'public' },
  { method: 'GET', path: '/api/openapi.json', handler: 'openapi', auth: 'public' },
  {
    method: 'POST',
    path: '/api/auth/signup',
    handler: 'auth/signup',
    auth: 'public',
    timeoutSeconds: 15,
    needs: ['table-write', 'identity'],
  },
  { method: 'POST', path: '/api/auth/confirm', handler: 'auth/confirm', auth: 'public', needs: ['identity'] },
  { method: 'POST', path: '/api/auth/token', handler: 'auth/token', auth: 'public', needs: ['identity'] },
  { method: 'POST', path: '/api/auth/refresh', handler: 'auth/refresh', auth: 'public', needs: ['identity'] },
  {
    method: 'POST',
    path: '/api/auth/signout',
    handler: 'auth/signout',
    auth: 'user',
    needs: ['table-write', 'identity'],
  },
  { method: 'GET', path: '/api/me', handler: 'me/get', auth: 'user' },
  {
    method: 'POST',
    path: '/api/me/onboarding-wizard',
    handler: 'me/onboarding-wizard',
    auth: 'user',
    needs: ['table-write'],
  },
  { method: 'GET', path: '/api/client/accounts', handler: 'accounts/list', auth: 'user' },
  // Cloud Connect (onboarding issue)
  {
    method: 'POST',
    path: '/api/client/accounts/role-setup',
    handler: 'accounts/role-setup',
    auth: 'user',
    needs: ['table-write'],
  },
  {
    method: 'POST',
    path: '/api/client/accounts/connect',
    handler: 'accounts/connect',
    auth: 'user',
    timeoutSeconds: 30,
    needs: ['table-write', 'secrets', 'customer-cloud', 'workflows', 'schedules'],
  },
  { method: 'GET', path: '/api/client/accounts/{id}', handler: 'accounts/get', auth: 'user' },
  {
    method: 'PATCH',
    path: '/api/client/accounts/{id}',
    handler: 'accounts/rename',
    auth: 'user',
    needs: ['table-write'],
  },
  {
    method: 'DELETE',
    path: '/api/client/accounts/{id}',
    handler: 'accounts/disconnect',
    auth: 'user',
    needs: ['table-write', 'schedules'],
  },
  {
    method: 'POST',
    path: '/api/client/accounts/{id}/resync',
    handler: 'accounts/resync',
    auth: 'user',
    needs: ['table-write', 'workflows'],
  },
  // Inventory (discovery issue)
  { method: 'GET', path: '/api/client/clusters', handler: 'clusters/list', auth: 'user' },
  { method: 'GET', path: '/api/client/clusters/{id}', handler: 'clusters/get', auth: 'user' },
  {
    method: 'POST',
    path: '/api/client/clusters/{id}/agent-token',
    handler: 'clusters/agent-token',
    auth: 'user',
    needs: ['table-write'],
  },
  {
    method: 'POST',
    path: '/api/ingest/snapshots',
    handler: 'ingest/snapshot',
    auth: 'agent',
    timeoutSeconds: 30,
    needs: ['table-write'],
  },
  { method: 'GET', path: '/api/client/audit', handler: 'audit/list', auth: 'user' },
  // Dashboard (issue 6): read-only, precomputed summaries and series only
  { method: 'GET', path: '/api/client/dashboard', handler: 'dashboard/get', auth: 'user' },
  {
    method: 'GET',
    path: '/api/client/dashboard/resource-gap',
    handler: 'dashboard/resource-gap',
    auth: 'user',
  },
  { method: 'GET', path: '/api/admin/organizations', handler: 'admin/organizations', auth: 'admin' },
];

/** Route key as API Gateway writes it: `GET /api/health`. */
export const routeKey = (r: Pick<RouteDefinition, 'method' | 'path'>) => `${r.method} ${r.path}`;

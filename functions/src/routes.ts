import { agentChartPath, type RateLimit } from '@spot/shared';

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
   * in the product's group; `secrets`: KMS data keys; `customer-cloud`: sts:AssumeRole into customer roles;
   * `send-email`: SES from the notification sender; `app-url`: the web app's address (SSM parameter).
   */
  readonly needs?: readonly RoutePermission[];
  /** Abuse limits of routes a flood could hurt (guessing, sign-up spam, costly calls to the customer). */
  readonly rateLimit?: RouteRateLimits;
}

/**
 * Per-key limits, counted by the function before the handler (DynamoDB counters, so the Lambda functions in
 * AWS and the local gateway enforce the same ones), and the route's throttle as a whole in API Gateway.
 * `perIp` is counted before authentication (an unauthenticated flood is refused before any other work);
 * the others once the caller or body is known: `perEmail` the email of the body, `perOrg` the caller's
 * organization, `perCluster` the agent's cluster. A request refused by one limit is not counted by the next.
 */
export interface RouteRateLimits {
  readonly perIp?: RateLimit;
  readonly perEmail?: RateLimit;
  readonly perOrg?: RateLimit;
  readonly perCluster?: RateLimit;
  /** API Gateway's stage throttle for this route key: all callers together, steady requests/s and burst. */
  readonly gateway: { readonly requestsPerSecond: number; readonly burst: number };
}

export type RoutePermission =
  | 'table-write'
  | 'identity'
  | 'workflows'
  | 'schedules'
  | 'secrets'
  | 'customer-cloud'
  /** Write audit exports too large for a response to the exports bucket and presign their download. */
  | 'audit-exports'
  /** Send email (ses:SendEmail) from the deployment's notification sender identity only. */
  | 'send-email'
  /** Read the web app's address (the SSM parameter the web stack writes), for links in messages. */
  | 'app-url';

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
    // A person signs up once; an office behind one NAT a handful of times an hour.
    rateLimit: { perIp: { requests: 20, windowSeconds: 600 }, gateway: { requestsPerSecond: 10, burst: 20 } },
  },
  {
    method: 'POST',
    path: '/api/auth/confirm',
    handler: 'auth/confirm',
    auth: 'public',
    needs: ['identity'],
    // A 6-digit code: a few tries per email, so guessing one is hopeless.
    rateLimit: {
      perIp: { requests: 30, windowSeconds: 60 },
      perEmail: { requests: 10, windowSeconds: 600 },
      gateway: { requestsPerSecond: 10, burst: 20 },
    },
  },
  {
    method: 'POST',
    path: '/api/auth/token',
    handler: 'auth/token',
    auth: 'public',
    needs: ['identity'],
    // Per IP AND per email, and the email's budget is larger than one IP's in the same window: one source
    // can never use up an account's budget (no lockout of the real user, who signs in from elsewhere), and
    // spreading a guess over many sources is still capped per account.
    rateLimit: {
      perIp: { requests: 30, windowSeconds: 60 },
      perEmail: { requests: 100, windowSeconds: 60 },
      gateway: { requestsPerSecond: 25, burst: 50 },
    },
  },
  {
    method: 'POST',
    path: '/api/auth/refresh',
    handler: 'auth/refresh',
    auth: 'public',
    needs: ['identity'],
    // The SPA refreshes about once an hour per tab.
    rateLimit: { perIp: { requests: 60, windowSeconds: 60 }, gateway: { requestsPerSecond: 25, burst: 50 } },
  },
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
    // Each attempt assumes a role in (or calls STS with keys of) the customer's cloud and may start a
    // discovery: an organization connects a few accounts, not hundreds in minutes.
    rateLimit: {
      perIp: { requests: 120, windowSeconds: 600 },
      perOrg: { requests: 20, windowSeconds: 600 },
      gateway: { requestsPerSecond: 5, burst: 10 },
    },
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
  // The Multi-Cluster Command Center (issue 17, ADR 0045); before `{id}`, which would match them too.
  { method: 'GET', path: '/api/client/clusters/summary', handler: 'clusters/summary', auth: 'user' },
  { method: 'POST', path: '/api/client/clusters/compare', handler: 'clusters/compare', auth: 'user' },
  {
    method: 'POST',
    path: '/api/client/clusters/bulk',
    handler: 'clusters/bulk',
    auth: 'user',
    timeoutSeconds: 30,
    // Saves policies and hibernation schedules (re-arming their schedules), enqueues agent commands; an
    // agent upgrade no agent takes names the chart at this deployment's URL.
    needs: ['table-write', 'schedules', 'app-url'],
  },
  // The Add Cluster wizard (issue 17 item 4, ADR 0051). Each calls the customer's cloud (a few EKS or
  // IAM calls per region): a wizard scans a handful of times, not hundreds.
  {
    method: 'POST',
    path: '/api/client/accounts/{id}/cluster-scan',
    handler: 'clusters/scan',
    auth: 'user',
    timeoutSeconds: 30,
    needs: ['table-write', 'secrets', 'customer-cloud'],
    rateLimit: { perOrg: { requests: 60, windowSeconds: 600 }, gateway: { requestsPerSecond: 5, burst: 10 } },
  },
  {
    method: 'POST',
    path: '/api/client/clusters',
    handler: 'clusters/add',
    auth: 'user',
    timeoutSeconds: 30,
    needs: ['table-write', 'secrets', 'customer-cloud'],
    rateLimit: {
      perOrg: { requests: 120, windowSeconds: 600 },
      gateway: { requestsPerSecond: 5, burst: 10 },
    },
  },
  // Several clusters of one scan (ADR 0059): one region listing each, one transaction and audit record per
  // cluster, the handful a wizard selects at a time.
  {
    method: 'POST',
    path: '/api/client/clusters/adopt',
    handler: 'clusters/adopt',
    auth: 'user',
    timeoutSeconds: 30,
    needs: ['table-write', 'secrets', 'customer-cloud'],
    rateLimit: {
      perOrg: { requests: 60, windowSeconds: 600 },
      gateway: { requestsPerSecond: 5, burst: 10 },
    },
  },
  // A new kubeconfig for a cluster the collector reads by file (ADR 0065), e.g. after a token rotation: no
  // call to the customer's cloud, only a data key to seal the file.
  {
    method: 'PUT',
    path: '/api/client/clusters/{id}/kubeconfig',
    handler: 'clusters/kubeconfig-put',
    auth: 'user',
    needs: ['table-write', 'secrets'],
    rateLimit: {
      perOrg: { requests: 60, windowSeconds: 600 },
      gateway: { requestsPerSecond: 5, burst: 10 },
    },
  },
  {
    method: 'POST',
    path: '/api/client/clusters/{id}/install-token',
    handler: 'clusters/install-token',
    auth: 'user',
    needs: ['table-write', 'app-url'],
  },
  {
    method: 'POST',
    path: '/api/client/clusters/{id}/preflight',
    handler: 'clusters/preflight',
    auth: 'user',
    timeoutSeconds: 30,
    needs: ['table-write', 'secrets', 'customer-cloud'],
    rateLimit: {
      perOrg: { requests: 120, windowSeconds: 600 },
      gateway: { requestsPerSecond: 5, burst: 10 },
    },
  },
  { method: 'GET', path: '/api/client/clusters/{id}', handler: 'clusters/get', auth: 'user' },
  // Sync Now (ADR 0076): asks the agent for a snapshot, or starts the account's discovery.
  {
    method: 'POST',
    path: '/api/client/clusters/{id}/sync',
    handler: 'clusters/sync',
    auth: 'user',
    needs: ['table-write', 'workflows'],
  },
  { method: 'GET', path: '/api/client/clusters/{id}/sync', handler: 'clusters/sync-get', auth: 'user' },
  {
    method: 'POST',
    path: '/api/client/clusters/{id}/agent-token',
    handler: 'clusters/agent-token',
    auth: 'user',
    needs: ['table-write', 'app-url'],
  },
  {
    method: 'POST',
    path: '/api/ingest/snapshots',
    handler: 'ingest/snapshot',
    auth: 'agent',
    timeoutSeconds: 30,
    needs: ['table-write'],
    // An agent pushes a snapshot every 5 min and a heartbeat every 30 s (5 s at the fastest setting); a
    // customer's agents may share one NAT address, so the IP limit only stops floods without a token.
    rateLimit: {
      perIp: { requests: 6000, windowSeconds: 60 },
      perCluster: { requests: 60, windowSeconds: 60 },
      perOrg: { requests: 1200, windowSeconds: 60 },
      gateway: { requestsPerSecond: 50, burst: 100 },
    },
  },
  // The optimizer acts (issue 14): maintenance mode and the command channel to the cluster's agent (ADR 0037).
  {
    method: 'PUT',
    path: '/api/client/clusters/{id}/maintenance',
    handler: 'clusters/maintenance',
    auth: 'user',
    // Switching it off arms a hibernation run to catch up on a missed transition.
    needs: ['table-write', 'schedules'],
  },
  // The cluster detail tabs (issue 17 item 5, ADR 0052).
  { method: 'GET', path: '/api/client/clusters/{id}/drift', handler: 'clusters/drift', auth: 'user' },
  // What came of the agent upgrades the registry's bulk action queued (ADR 0045 §6).
  {
    method: 'GET',
    path: '/api/client/clusters/{id}/agent-upgrades',
    handler: 'clusters/agent-upgrades',
    auth: 'user',
  },
  {
    method: 'GET',
    path: '/api/client/clusters/{id}/compliance',
    handler: 'clusters/compliance',
    auth: 'user',
  },
  { method: 'GET', path: '/api/client/clusters/{id}/budget', handler: 'clusters/budget-get', auth: 'user' },
  {
    method: 'PUT',
    path: '/api/client/clusters/{id}/budget',
    handler: 'clusters/budget-put',
    auth: 'user',
    needs: ['table-write'],
  },
  {
    method: 'PUT',
    path: '/api/client/clusters/{id}/node-groups/{groupId}',
    handler: 'clusters/node-group-update',
    auth: 'user',
    timeoutSeconds: 30,
    // Reads the live group and writes it through the customer's role (its write option); updates the item.
    needs: ['table-write', 'secrets', 'customer-cloud'],
    // Each call reaches the customer's Auto Scaling / EKS API: a form a person submits.
    rateLimit: { perOrg: { requests: 60, windowSeconds: 60 }, gateway: { requestsPerSecond: 10, burst: 20 } },
  },
  // The kubectl install command's manifest (ADR 0071): the same file for everyone, so no auth; it names
  // this deployment's URL, read from the web stack's parameter.
  {
    method: 'GET',
    path: '/api/agent/manifest.yaml',
    handler: 'agent/manifest',
    auth: 'public',
    needs: ['app-url'],
  },
  // The Helm and Terraform install commands' chart (ADR 0075), versioned in its path as `helm package`
  // names it: the same archive for everyone, nothing but files beside the bundle.
  { method: 'GET', path: agentChartPath, handler: 'agent/chart', auth: 'public' },
  {
    method: 'GET',
    path: '/api/agent/commands',
    handler: 'agent/commands',
    auth: 'agent',
    // Leases commands and records the poll.
    needs: ['table-write'],
    // An agent in write mode polls every 15 s (4 a minute); an organization's limit leaves room for 1,000
    // clusters. The IP limit only stops floods without a token.
    rateLimit: {
      perIp: { requests: 6000, windowSeconds: 60 },
      perCluster: { requests: 30, windowSeconds: 60 },
      perOrg: { requests: 4800, windowSeconds: 60 },
      gateway: { requestsPerSecond: 50, burst: 100 },
    },
  },
  {
    method: 'POST',
    path: '/api/agent/commands/{id}/result',
    handler: 'agent/command-result',
    auth: 'agent',
    needs: ['table-write'],
    // One result per command, at most ten commands per poll.
    rateLimit: {
      perIp: { requests: 6000, windowSeconds: 60 },
      perCluster: { requests: 120, windowSeconds: 60 },
      perOrg: { requests: 2400, windowSeconds: 60 },
      gateway: { requestsPerSecond: 50, burst: 100 },
    },
  },
  // Audit Logs & Compliance Center (issue 16). Literal paths before `{id}`: the local gateway takes the
  // first match (API Gateway prefers the literal one anyway).
  {
    method: 'GET',
    path: '/api/client/audit',
    handler: 'audit/list',
    auth: 'user',
    // The cursor is signed with a data key of the key service.
    needs: ['secrets'],
  },
  {
    method: 'GET',
    path: '/api/client/audit/verify',
    handler: 'audit/verify',
    auth: 'user',
    // Walks the whole chain: 100,000 records are about 100 pages of consistent reads. The retention
    // checkpoint's signature is checked with the key service.
    timeoutSeconds: 30,
    needs: ['secrets'],
    rateLimit: { perOrg: { requests: 30, windowSeconds: 600 }, gateway: { requestsPerSecond: 5, burst: 10 } },
  },
  { method: 'GET', path: '/api/client/audit/settings', handler: 'audit/settings-get', auth: 'user' },
  {
    method: 'PUT',
    path: '/api/client/audit/settings',
    handler: 'audit/settings-put',
    auth: 'user',
    // A retention change starts the audit-retention workflow (re-stamps existing records' TTL).
    needs: ['table-write', 'secrets', 'workflows'],
  },
  {
    method: 'POST',
    path: '/api/client/audit/settings/test-event',
    handler: 'audit/settings-test-event',
    auth: 'user',
    timeoutSeconds: 15,
    // S3 destinations write through the connected account's role (or its sealed access key).
    needs: ['table-write', 'secrets', 'customer-cloud'],
    // Each call reaches out to the customer's collector: a button a person presses, not a load generator.
    rateLimit: { perOrg: { requests: 20, windowSeconds: 600 }, gateway: { requestsPerSecond: 5, burst: 10 } },
  },
  { method: 'GET', path: '/api/client/audit/{id}', handler: 'audit/get', auth: 'user' },
  {
    method: 'POST',
    path: '/api/client/audit/exports',
    handler: 'audit/export',
    auth: 'user',
    // A large range streams to the exports bucket (ADR 0029): 100,000 records are ~100 MB of JSON.
    timeoutSeconds: 120,
    needs: ['table-write', 'secrets', 'audit-exports'],
    rateLimit: { perOrg: { requests: 30, windowSeconds: 600 }, gateway: { requestsPerSecond: 5, burst: 10 } },
  },
  {
    method: 'POST',
    path: '/api/client/audit/exports/verify',
    handler: 'audit/export-verify',
    auth: 'user',
    timeoutSeconds: 15,
    needs: ['table-write', 'secrets'],
  },
  // Dashboard (issue 6): read-only, precomputed summaries and series only
  { method: 'GET', path: '/api/client/dashboard', handler: 'dashboard/get', auth: 'user' },
  {
    method: 'GET',
    path: '/api/client/dashboard/resource-gap',
    handler: 'dashboard/resource-gap',
    auth: 'user',
  },
  // Node templates (issue 12)
  {
    method: 'GET',
    path: '/api/client/accounts/{id}/security-groups',
    handler: 'accounts/security-groups',
    auth: 'user',
    timeoutSeconds: 30,
    needs: ['secrets', 'customer-cloud'],
    // Each call reads the customer's EC2 API: the wizard asks once per account and region.
    rateLimit: {
      perOrg: { requests: 60, windowSeconds: 60 },
      gateway: { requestsPerSecond: 10, burst: 20 },
    },
  },
  { method: 'GET', path: '/api/client/node-templates', handler: 'node-templates/list', auth: 'user' },
  {
    method: 'POST',
    path: '/api/client/node-templates',
    handler: 'node-templates/create',
    auth: 'user',
    // Clusters whose Karpenter objects the save changes are reconciled at once (ADR 0050).
    timeoutSeconds: 30,
    needs: ['table-write', 'secrets', 'customer-cloud'],
  },
  {
    method: 'POST',
    path: '/api/client/node-templates/validate',
    handler: 'node-templates/validate',
    auth: 'user',
  },
  { method: 'GET', path: '/api/client/node-templates/{id}', handler: 'node-templates/get', auth: 'user' },
  {
    method: 'PUT',
    path: '/api/client/node-templates/{id}',
    handler: 'node-templates/update',
    auth: 'user',
    // Clusters whose Karpenter objects the save changes are reconciled at once (ADR 0050).
    timeoutSeconds: 30,
    needs: ['table-write', 'secrets', 'customer-cloud'],
  },
  {
    method: 'DELETE',
    path: '/api/client/node-templates/{id}',
    handler: 'node-templates/delete',
    auth: 'user',
    needs: ['table-write'],
  },
  {
    method: 'POST',
    path: '/api/client/node-templates/{id}/clone',
    handler: 'node-templates/clone',
    auth: 'user',
    needs: ['table-write'],
  },
  {
    method: 'POST',
    path: '/api/client/node-templates/{id}/default',
    handler: 'node-templates/set-default',
    auth: 'user',
    // Clusters whose Karpenter objects the save changes are reconciled at once (ADR 0050).
    timeoutSeconds: 30,
    needs: ['table-write', 'secrets', 'customer-cloud'],
  },
  {
    method: 'GET',
    path: '/api/client/node-templates/{id}/karpenter',
    handler: 'node-templates/karpenter',
    auth: 'user',
  },
  // Optimization policies (issue 13)
  { method: 'GET', path: '/api/client/policy', handler: 'policies/organization-get', auth: 'user' },
  {
    method: 'PUT',
    path: '/api/client/policy',
    handler: 'policies/organization-put',
    auth: 'user',
    // A save re-arms the consolidation schedules of the clusters it covers (ADR 0044) and reconciles the
    // Karpenter objects it changed, reading them through the customer role (ADR 0046).
    timeoutSeconds: 30,
    needs: ['table-write', 'schedules', 'secrets', 'customer-cloud'],
  },
  {
    method: 'GET',
    path: '/api/client/policy/versions',
    handler: 'policies/organization-versions',
    auth: 'user',
  },
  {
    method: 'POST',
    path: '/api/client/policy/versions/{version}/restore',
    handler: 'policies/organization-restore',
    auth: 'user',
    // A save re-arms the consolidation schedules of the clusters it covers (ADR 0044) and reconciles the
    // Karpenter objects it changed, reading them through the customer role (ADR 0046).
    timeoutSeconds: 30,
    needs: ['table-write', 'schedules', 'secrets', 'customer-cloud'],
  },
  { method: 'GET', path: '/api/client/accounts/{id}/policy', handler: 'policies/account-get', auth: 'user' },
  {
    method: 'PUT',
    path: '/api/client/accounts/{id}/policy',
    handler: 'policies/account-put',
    auth: 'user',
    // A save re-arms the consolidation schedules of the clusters it covers (ADR 0044) and reconciles the
    // Karpenter objects it changed, reading them through the customer role (ADR 0046).
    timeoutSeconds: 30,
    needs: ['table-write', 'schedules', 'secrets', 'customer-cloud'],
  },
  {
    method: 'GET',
    path: '/api/client/accounts/{id}/policy/versions',
    handler: 'policies/account-versions',
    auth: 'user',
  },
  {
    method: 'POST',
    path: '/api/client/accounts/{id}/policy/versions/{version}/restore',
    handler: 'policies/account-restore',
    auth: 'user',
    // A save re-arms the consolidation schedules of the clusters it covers (ADR 0044) and reconciles the
    // Karpenter objects it changed, reading them through the customer role (ADR 0046).
    timeoutSeconds: 30,
    needs: ['table-write', 'schedules', 'secrets', 'customer-cloud'],
  },
  { method: 'GET', path: '/api/client/clusters/{id}/policy', handler: 'policies/cluster-get', auth: 'user' },
  {
    method: 'PUT',
    path: '/api/client/clusters/{id}/policy',
    handler: 'policies/cluster-put',
    auth: 'user',
    // A save re-arms the consolidation schedules of the clusters it covers (ADR 0044) and reconciles the
    // Karpenter objects it changed, reading them through the customer role (ADR 0046).
    timeoutSeconds: 30,
    needs: ['table-write', 'schedules', 'secrets', 'customer-cloud'],
  },
  {
    method: 'GET',
    path: '/api/client/clusters/{id}/policy/versions',
    handler: 'policies/cluster-versions',
    auth: 'user',
  },
  {
    method: 'POST',
    path: '/api/client/clusters/{id}/policy/versions/{version}/restore',
    handler: 'policies/cluster-restore',
    auth: 'user',
    // A save re-arms the consolidation schedules of the clusters it covers (ADR 0044) and reconciles the
    // Karpenter objects it changed, reading them through the customer role (ADR 0046).
    timeoutSeconds: 30,
    needs: ['table-write', 'schedules', 'secrets', 'customer-cloud'],
  },
  {
    method: 'GET',
    path: '/api/client/clusters/{id}/policy/effective',
    handler: 'policies/cluster-effective',
    auth: 'user',
  },
  {
    method: 'POST',
    path: '/api/client/clusters/{id}/policy/preview',
    handler: 'policies/cluster-preview',
    auth: 'user',
    timeoutSeconds: 15,
  },
  // Consolidation (issue 14): the plan (dry run) and the optimizer's actions
  {
    method: 'POST',
    path: '/api/client/clusters/{id}/consolidation',
    handler: 'consolidation/start',
    auth: 'user',
    // Plans over the cluster's whole inventory, as the policy preview does; a real start writes the run
    // and its node steps and starts the consolidation workflow (ADR 0040).
    timeoutSeconds: 15,
    needs: ['table-write', 'workflows'],
  },
  {
    method: 'GET',
    path: '/api/client/clusters/{id}/actions',
    handler: 'consolidation/actions',
    auth: 'user',
  },
  // Karpenter integration (issue 14, ADR 0042): Spot Optimizer's own NodePool/EC2NodeClass, drift, reconcile.
  {
    method: 'GET',
    path: '/api/client/clusters/{id}/karpenter',
    handler: 'karpenter/get',
    auth: 'user',
    // Reads the cluster's live objects through the customer role and the collector's access entry.
    timeoutSeconds: 15,
    needs: ['secrets', 'customer-cloud'],
  },
  {
    method: 'POST',
    path: '/api/client/clusters/{id}/karpenter/reconcile',
    handler: 'karpenter/reconcile',
    auth: 'user',
    timeoutSeconds: 15,
    needs: ['table-write', 'secrets', 'customer-cloud'],
  },
  // Workload patches (issue 14, ADR 0043): rightsizing in automatic mode and the spot rules
  {
    method: 'POST',
    path: '/api/client/clusters/{id}/rightsizing',
    handler: 'rightsizing/start',
    auth: 'user',
    // Plans over the cluster's stored workloads; a real start writes the run and its steps and starts the
    // rightsizing workflow.
    timeoutSeconds: 15,
    needs: ['table-write', 'workflows'],
  },
  // Cluster hibernation (issue 15)
  { method: 'GET', path: '/api/client/hibernation', handler: 'hibernation/fleet', auth: 'user' },
  {
    method: 'GET',
    path: '/api/client/clusters/{id}/hibernation',
    handler: 'hibernation/cluster-get',
    auth: 'user',
  },
  {
    method: 'PUT',
    path: '/api/client/clusters/{id}/hibernation',
    handler: 'hibernation/cluster-put',
    auth: 'user',
    // The Slack webhook is sealed with a KMS data key; the cluster's schedule is re-armed.
    needs: ['table-write', 'secrets', 'schedules'],
  },
  {
    method: 'POST',
    path: '/api/client/clusters/{id}/hibernation/wake',
    handler: 'hibernation/wake',
    auth: 'user',
    timeoutSeconds: 30,
    needs: ['table-write', 'customer-cloud', 'secrets', 'schedules'],
  },
  {
    method: 'POST',
    path: '/api/client/clusters/{id}/hibernation/sleep',
    handler: 'hibernation/sleep',
    auth: 'user',
    timeoutSeconds: 30,
    needs: ['table-write', 'customer-cloud', 'secrets', 'schedules'],
  },
  {
    method: 'POST',
    path: '/api/client/hibernation/holidays/preview',
    handler: 'hibernation/holidays-preview',
    auth: 'user',
  },
  // A notice's Snooze link (no sign-in: the signed, single-use token is the credential; ADR 0032).
  {
    method: 'GET',
    path: '/api/public/hibernation/snooze',
    handler: 'hibernation/snooze-preview',
    auth: 'public',
    // Unwraps the token's data key with the key service.
    needs: ['secrets'],
    // A person opens a link a few times; guessing a token is hopeless, but each try costs a KMS call.
    rateLimit: { perIp: { requests: 60, windowSeconds: 600 }, gateway: { requestsPerSecond: 5, burst: 10 } },
  },
  {
    method: 'POST',
    path: '/api/public/hibernation/snooze',
    handler: 'hibernation/snooze',
    auth: 'public',
    timeoutSeconds: 30,
    // Marks the link used, then wakes the cluster as "Wake up now" does.
    needs: ['table-write', 'customer-cloud', 'secrets', 'schedules'],
    rateLimit: { perIp: { requests: 30, windowSeconds: 600 }, gateway: { requestsPerSecond: 5, burst: 10 } },
  },
  { method: 'GET', path: '/api/admin/organizations', handler: 'admin/organizations', auth: 'admin' },
];

/** Route key as API Gateway writes it: `GET /api/health`. */
export const routeKey = (r: Pick<RouteDefinition, 'method' | 'path'>) => `${r.method} ${r.path}`;

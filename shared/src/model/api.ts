import { z } from 'zod';
import {
  accountListResponseSchema,
  accountPathSchema,
  accountViewSchema,
  renameAccountInputSchema,
} from './account';
import { connectInputSchema, roleSetupInputSchema, roleSetupResponseSchema } from './account-connect';
import { adminOrganizationListSchema } from './admin';
import {
  agentCommandPathSchema,
  agentCommandResultBodySchema,
  agentCommandsResponseSchema,
  agentCommandViewSchema,
  agentUpgradesResponseSchema,
  maintenanceInputSchema,
  maintenanceResponseSchema,
} from './agent-command';
import {
  auditExportDocumentSchema,
  auditExportInputSchema,
  auditExportLinkSchema,
  auditExportMaxBytes,
  auditExportVerifyInputSchema,
  auditExportVerifyResponseSchema,
  auditListQuerySchema,
  auditListResponseSchema,
  auditPathSchema,
  auditRecordDetailSchema,
  auditSettingsViewSchema,
  auditTestEventInputSchema,
  auditTestEventResponseSchema,
  auditVerifyResponseSchema,
  putAuditSettingsInputSchema,
} from './audit';
import {
  confirmSignUpInputSchema,
  refreshInputSchema,
  refreshResponseSchema,
  signOutInputSchema,
  signUpResponseSchema,
  tokenResponseSchema,
} from './auth';
import {
  agentTokenResponseSchema,
  clusterDetailResponseSchema,
  clusterListResponseSchema,
  clusterPathSchema,
  listClustersQuerySchema,
} from './cluster';
import {
  clusterBudgetInputSchema,
  clusterBudgetResponseSchema,
  clusterComplianceResponseSchema,
  clusterDriftResponseSchema,
  nodeGroupPathSchema,
  nodeGroupUpdateInputSchema,
  nodeGroupUpdateResponseSchema,
} from './cluster-detail';
import {
  addClusterBodySchema,
  addClusterResponseSchema,
  adoptClustersBodySchema,
  adoptClustersResponseSchema,
  agentChartRouteKey,
  clusterScanBodySchema,
  clusterScanResponseSchema,
  installTokenResponseSchema,
  preflightResponseSchema,
  replaceKubeconfigBodySchema,
  replaceKubeconfigResponseSchema,
} from './cluster-onboarding';
import {
  bulkActionBodySchema,
  bulkActionResponseSchema,
  compareClustersBodySchema,
  compareClustersResponseSchema,
  registrySummaryQuerySchema,
  registrySummaryResponseSchema,
} from './cluster-registry';
import { clusterSyncResponseSchema } from './cluster-sync';
import {
  clusterActionsQuerySchema,
  clusterActionsResponseSchema,
  consolidationPlanResponseSchema,
  consolidationRequestSchema,
  consolidationStartResponseSchema,
} from './consolidation';
import {
  dashboardQuerySchema,
  dashboardResponseSchema,
  resourceGapQuerySchema,
  resourceGapResponseSchema,
} from './dashboard';
import { healthResponseSchema } from './health';
import {
  hibernationActionResponseSchema,
  hibernationFleetResponseSchema,
  hibernationViewSchema,
  holidayPreviewInputSchema,
  holidayPreviewResponseSchema,
  putHibernationInputSchema,
  snoozeInputSchema,
  snoozePreviewSchema,
  snoozeQuerySchema,
  snoozeResultSchema,
  wakeInputSchema,
} from './hibernation';
import { ingestBodySchema, ingestResponseSchema } from './ingest';
import { karpenterStateResponseSchema } from './karpenter';
import { meResponseSchema, onboardingWizardInputSchema } from './me';
import {
  cloneNodeTemplateInputSchema,
  karpenterQuerySchema,
  karpenterResponseSchema,
  listNodeTemplatesQuerySchema,
  nodeTemplateDraftSchema,
  nodeTemplateListResponseSchema,
  nodeTemplatePathSchema,
  nodeTemplateUpdateSchema,
  nodeTemplateViewSchema,
  securityGroupListResponseSchema,
  securityGroupsQuerySchema,
  validateNodeTemplateInputSchema,
  validateNodeTemplateQuerySchema,
  validateNodeTemplateResponseSchema,
} from './node-template';
import {
  effectivePolicyResponseSchema,
  organizationPolicyVersionPathSchema,
  organizationPolicyViewSchema,
  policyOverridesViewSchema,
  policyPreviewInputSchema,
  policyPreviewResponseSchema,
  policyVersionListResponseSchema,
  policyVersionPathSchema,
  putOrganizationPolicyInputSchema,
  putPolicyOverridesInputSchema,
} from './policy';
import { signInInputSchema, signUpInputSchema } from './user';
import {
  rightsizingPlanResponseSchema,
  rightsizingRequestSchema,
  rightsizingStartResponseSchema,
} from './workload-patch';

/**
 * The contract of every route of the HTTP API, keyed like the route table (`GET /api/client/clusters`):
 * what it takes (path, query, body) and what it answers. The handlers parse their input with these
 * schemas, the SPA parses the answers with them, and the OpenAPI document is generated from them.
 */
export interface RouteContract {
  readonly summary: string;
  readonly tags: readonly string[];
  readonly path?: z.ZodObject;
  readonly query?: z.ZodObject;
  readonly body?: z.ZodType;
  /** The success statuses and their body; `null` for an empty body (204). */
  readonly responses: Readonly<Record<number, z.ZodType | null>>;
  /**
   * The 4xx and 5xx statuses a caller can act on (any route may also answer 500), body {@link apiErrorSchema};
   * 429 exactly for the routes with abuse limits in the route table (a unit test keeps the two in step).
   */
  readonly errors: readonly number[];
  /** The largest JSON body the route takes, bytes ({@link defaultMaxBodyBytes} when unset); larger is a 413. */
  readonly maxBodyBytes?: number;
  /**
   * Routes answering a file (an export): the media types the success answer may have. Its
   * `application/json` form is the success schema; any other form is text, described by `summary`.
   */
  readonly fileMediaTypes?: readonly string[];
  /** Response headers of the success answer and what they carry. */
  readonly responseHeaders?: Readonly<Record<string, string>>;
}

/** Every form of the product fits in a few KiB; only agent snapshots are larger. */
export const defaultMaxBodyBytes = 64 * 1024;

/**
 * Every error status a route may answer: its declared ones, 413 and 415 for routes that take a body (the
 * HTTP adapter checks size and content type of every body), 500, and 503 (the table is throttling after
 * the SDK's retries: nothing was written, send the request again).
 */
export function errorStatusesOf(contract: RouteContract): number[] {
  return [...contract.errors, ...(contract.body ? [413, 415] : []), 500, 503];
}

/** The body of every error answer, as the HTTP adapter writes it (`functions/src/http/handler.ts`). */
export const apiErrorSchema = z.object({
  /** A message a person can act on; for a 500 only the request id to quote, never internals. */
  message: z.string(),
  /** Machine-readable (`VALIDATION_FAILED`, `NOT_FOUND`, `INTERNAL`, ...). */
  code: z.string(),
  requestId: z.string(),
  /** Per-field issues of a 400 (`{ issues: [{ field, message }] }`) or the action a 422 names. */
  details: z.unknown().optional(),
});
export type ApiError = z.infer<typeof apiErrorSchema>;

/** `GET /api/openapi.json`: an OpenAPI 3.1 document (its own schema is the OpenAPI specification). */
export const openApiDocumentSchema = z
  .object({ openapi: z.string(), info: z.object({ title: z.string(), version: z.string() }).loose() })
  .loose();

// Errors every signed-in route can answer: a bad input, no or a revoked token; and routes naming an
// account or cluster (path or filter) answer 404 for one not in the caller's organization.
const signedIn = [400, 401] as const;
const ofOneAccount = [...signedIn, 404] as const;

export const apiContracts = {
  'GET /api/health': {
    summary: 'Liveness of the API',
    tags: ['System'],
    responses: { 200: healthResponseSchema },
    errors: [],
  },
  'GET /api/openapi.json': {
    summary: 'This API as an OpenAPI 3.1 document',
    tags: ['System'],
    responses: { 200: openApiDocumentSchema },
    errors: [],
  },
  'POST /api/auth/signup': {
    summary: 'Sign up: a new organization, its first user and a placeholder account',
    tags: ['Auth'],
    body: signUpInputSchema,
    responses: { 201: signUpResponseSchema },
    errors: [400, 409, 429],
  },
  'POST /api/auth/confirm': {
    summary: 'Confirm the email of a new user with the emailed code',
    tags: ['Auth'],
    body: confirmSignUpInputSchema,
    responses: { 204: null },
    errors: [400, 401, 429],
  },
  'POST /api/auth/token': {
    summary: 'Sign in: tokens for an email and password',
    tags: ['Auth'],
    body: signInInputSchema,
    responses: { 200: tokenResponseSchema },
    errors: [400, 401, 429],
  },
  'POST /api/auth/refresh': {
    summary: 'New access and id tokens for a refresh token',
    tags: ['Auth'],
    body: refreshInputSchema,
    responses: { 200: refreshResponseSchema },
    errors: [400, 401, 429],
  },
  'POST /api/auth/signout': {
    summary: 'Sign out: revoke the session and earlier access tokens',
    tags: ['Auth'],
    body: signOutInputSchema,
    responses: { 204: null },
    errors: signedIn,
  },
  'GET /api/me': {
    summary: 'The signed-in user and their organization',
    tags: ['Me'],
    responses: { 200: meResponseSchema },
    errors: [401, 404],
  },
  'POST /api/me/onboarding-wizard': {
    summary: 'Remember that the first-run wizard was seen',
    tags: ['Me'],
    body: onboardingWizardInputSchema,
    responses: { 204: null },
    errors: signedIn,
  },
  'GET /api/client/accounts': {
    summary: "The organization's cloud accounts",
    tags: ['Accounts'],
    responses: { 200: accountListResponseSchema },
    errors: [401],
  },
  'POST /api/client/accounts/role-setup': {
    summary: 'A new External ID and the CloudFormation quick-create link of the read-only role',
    tags: ['Accounts'],
    body: roleSetupInputSchema,
    responses: { 201: roleSetupResponseSchema },
    errors: signedIn,
  },
  'POST /api/client/accounts/connect': {
    summary: 'Verify a role or connect access keys: claims the AWS account and starts discovery',
    tags: ['Accounts'],
    body: connectInputSchema,
    responses: { 200: accountViewSchema, 201: accountViewSchema },
    errors: [...signedIn, 404, 409, 422, 502, 429],
  },
  'GET /api/client/accounts/{id}': {
    summary: 'One cloud account',
    tags: ['Accounts'],
    path: accountPathSchema,
    responses: { 200: accountViewSchema },
    errors: ofOneAccount,
  },
  'PATCH /api/client/accounts/{id}': {
    summary: 'Rename a cloud account',
    tags: ['Accounts'],
    path: accountPathSchema,
    body: renameAccountInputSchema,
    responses: { 200: accountViewSchema },
    errors: ofOneAccount,
  },
  'DELETE /api/client/accounts/{id}': {
    summary: 'Disconnect a cloud account (its audit records stay)',
    tags: ['Accounts'],
    path: accountPathSchema,
    responses: { 204: null },
    errors: ofOneAccount,
  },
  'POST /api/client/accounts/{id}/resync': {
    summary: 'Start a fresh discovery of a cloud account',
    tags: ['Accounts'],
    path: accountPathSchema,
    responses: { 202: accountViewSchema },
    errors: [...ofOneAccount, 409],
  },
  'GET /api/client/clusters': {
    summary:
      'One page of the cluster registry, sorted by any column and filtered by account, region, tag, search and quick filters',
    tags: ['Clusters'],
    query: listClustersQuerySchema,
    responses: { 200: clusterListResponseSchema },
    errors: signedIn,
  },
  'GET /api/client/clusters/summary': {
    summary: 'The registry status bar: clusters, capacity, efficiency grade, run rate and critical alerts',
    tags: ['Clusters'],
    query: registrySummaryQuerySchema,
    responses: { 200: registrySummaryResponseSchema },
    errors: signedIn,
  },
  'POST /api/client/clusters/compare': {
    summary: 'Two to six clusters side by side, configuration and figures, differences flagged',
    tags: ['Clusters'],
    body: compareClustersBodySchema,
    responses: { 200: compareClustersResponseSchema },
    errors: [...signedIn, 404],
  },
  'POST /api/client/clusters/bulk': {
    summary:
      'A node template, policy, hibernation schedule or agent upgrade applied to each selected cluster, one audited change per cluster',
    tags: ['Clusters'],
    body: bulkActionBodySchema,
    responses: { 200: bulkActionResponseSchema },
    errors: [...signedIn, 404],
  },
  'POST /api/client/accounts/{id}/cluster-scan': {
    summary:
      "The account's EKS clusters in the given regions that the organization does not manage yet, with env/team from their tags (Add Cluster wizard)",
    tags: ['Clusters'],
    path: accountPathSchema,
    body: clusterScanBodySchema,
    responses: { 200: clusterScanResponseSchema },
    // 409: the account is not connected yet; 422: its credentials no longer work.
    errors: [...ofOneAccount, 409, 422, 429],
  },
  'POST /api/client/clusters': {
    summary:
      'Adopt a cluster the scan found, or register one by kubeconfig (validated; the file is stored encrypted, never returned)',
    tags: ['Clusters'],
    body: addClusterBodySchema,
    responses: { 201: addClusterResponseSchema },
    // 409: already managed (or the account is not connected); 422: the account's credentials no longer work.
    errors: [...ofOneAccount, 409, 422, 429],
  },
  'POST /api/client/clusters/adopt': {
    summary:
      'Adopt several clusters the scan found: each its own write and audit record, failures reported per cluster (ADR 0059)',
    tags: ['Clusters'],
    body: adoptClustersBodySchema,
    responses: { 200: adoptClustersResponseSchema },
    // 409: the account is not connected yet; 422: its credentials no longer work.
    errors: [...ofOneAccount, 409, 422, 429],
  },
  'PUT /api/client/clusters/{id}/kubeconfig': {
    summary:
      'Set or replace the kubeconfig the agentless collector reads the cluster with (validated like the upload; stored encrypted, never returned; ADR 0065)',
    tags: ['Clusters'],
    path: clusterPathSchema,
    body: replaceKubeconfigBodySchema,
    responses: { 200: replaceKubeconfigResponseSchema },
    // 409: replaced by someone else at the same moment (or the cluster removed meanwhile).
    errors: [...ofOneAccount, 409, 429],
  },
  'POST /api/client/clusters/{id}/install-token': {
    summary:
      'A one-hour, single-use install token (shown once) and the Helm, kubectl and Terraform forms that install the agent with it',
    tags: ['Clusters'],
    path: clusterPathSchema,
    responses: { 201: installTokenResponseSchema },
    errors: ofOneAccount,
  },
  'POST /api/client/clusters/{id}/preflight': {
    summary:
      "Pre-flight of the agent install: each IAM action the product needs for the cluster, tried with the account's credentials, the missing ones named; the Kubernetes RBAC as a kubectl script",
    tags: ['Clusters'],
    path: clusterPathSchema,
    responses: { 200: preflightResponseSchema },
    errors: [...ofOneAccount, 409, 422, 429],
  },
  'GET /api/client/clusters/{id}': {
    summary: 'One cluster: summary, node groups, nodes and workloads',
    tags: ['Clusters'],
    path: clusterPathSchema,
    responses: { 200: clusterDetailResponseSchema },
    errors: ofOneAccount,
  },
  'POST /api/client/clusters/{id}/sync': {
    summary:
      'Sync Now: a fresh reading of the cluster, from its agent when one feeds it (its next heartbeat asks for a snapshot), otherwise by a discovery of its account; a sync already pending is answered, not repeated',
    tags: ['Clusters'],
    path: clusterPathSchema,
    responses: { 202: clusterSyncResponseSchema },
    // 409: the account is not connected (a discovery sync).
    errors: [...ofOneAccount, 409],
  },
  'GET /api/client/clusters/{id}/sync': {
    summary: "The cluster's last Sync Now: whether the agent's snapshot it asked for has arrived",
    tags: ['Clusters'],
    path: clusterPathSchema,
    responses: { 200: clusterSyncResponseSchema },
    errors: ofOneAccount,
  },
  'POST /api/client/clusters/{id}/agent-token': {
    summary: 'A new agent token for the cluster (shown once; the previous one stops working)',
    tags: ['Clusters'],
    path: clusterPathSchema,
    responses: { 201: agentTokenResponseSchema },
    // 409: another token was issued for the cluster at the same moment.
    errors: [...ofOneAccount, 409],
  },
  'POST /api/ingest/snapshots': {
    summary: 'An agent push: heartbeat (200) or snapshot (202)',
    tags: ['Ingest'],
    body: ingestBodySchema,
    responses: { 200: ingestResponseSchema, 202: ingestResponseSchema },
    errors: [400, 401, 404, 429],
    // A 15,000-pod cluster's snapshot; Lambda's own payload limit is 6 MiB.
    maxBodyBytes: 6 * 1024 * 1024,
  },
  'PUT /api/client/clusters/{id}/maintenance': {
    summary:
      "Switch maintenance mode of a cluster: while on, no automated action runs on it (a person's Wake Up Now / Hibernate Now still does)",
    tags: ['Clusters'],
    path: clusterPathSchema,
    body: maintenanceInputSchema,
    responses: { 200: maintenanceResponseSchema },
    errors: ofOneAccount,
  },
  // The cluster detail tabs (issue 17 item 5, ADR 0052).
  'GET /api/client/clusters/{id}/drift': {
    summary:
      "Nodes running instance types the cluster's node template forbids, with who launched them (ASG, managed node group, NodePool or by hand) and when",
    tags: ['Clusters'],
    path: clusterPathSchema,
    responses: { 200: clusterDriftResponseSchema },
    errors: ofOneAccount,
  },
  'GET /api/client/clusters/{id}/agent-upgrades': {
    summary:
      "The cluster's agent upgrades of the last week (the registry's bulk Upgrade agent), newest first, each with the agent's answer: done, or refused with the `helm upgrade` command that upgrades it",
    tags: ['Clusters'],
    path: clusterPathSchema,
    responses: { 200: agentUpgradesResponseSchema },
    errors: ofOneAccount,
  },
  'GET /api/client/clusters/{id}/compliance': {
    summary:
      'A CIS Amazon EKS Benchmark subset evaluated on the last snapshot: privileged or root pods, host namespaces, default service account tokens, missing limits, public endpoint',
    tags: ['Clusters'],
    path: clusterPathSchema,
    responses: { 200: clusterComplianceResponseSchema },
    errors: ofOneAccount,
  },
  'GET /api/client/clusters/{id}/budget': {
    summary:
      "The cluster's monthly budget and this month's cost burndown (actual vs budget, projected month end)",
    tags: ['Clusters'],
    path: clusterPathSchema,
    responses: { 200: clusterBudgetResponseSchema },
    errors: ofOneAccount,
  },
  'PUT /api/client/clusters/{id}/budget': {
    summary: "Set or clear (null) the cluster's monthly budget; answers the burndown against it",
    tags: ['Clusters'],
    path: clusterPathSchema,
    body: clusterBudgetInputSchema,
    responses: { 200: clusterBudgetResponseSchema },
    errors: ofOneAccount,
  },
  'PUT /api/client/clusters/{id}/node-groups/{groupId}': {
    summary:
      "Set a node group's min/max size and spot mode through the customer's cloud (audited; refused in maintenance mode; 422 naming a missing permission)",
    tags: ['Clusters'],
    path: nodeGroupPathSchema,
    body: nodeGroupUpdateInputSchema,
    responses: { 200: nodeGroupUpdateResponseSchema },
    // 409: maintenance mode; 422: the role lacks the write permission (named).
    errors: [...ofOneAccount, 409, 422, 502, 429],
  },
  'GET /api/agent/manifest.yaml': {
    summary:
      "The agent's plain Kubernetes manifest with this deployment's URL in it; its cluster name and token stay CHANGE ME for the install command's sed to fill (public: no secret in it)",
    tags: ['Clusters'],
    // The file itself, YAML text.
    responses: { 200: z.string() },
    fileMediaTypes: ['application/yaml'],
    errors: [],
  },
  [agentChartRouteKey]: {
    summary:
      "The agent's Helm chart, packaged as `helm package` makes it (a gzipped tar, `spot-optimizer-agent/` at its top), which the Helm and Terraform install commands install by this URL; the version is the chart's (public: no secret in it)",
    tags: ['Clusters'],
    // The archive itself, binary.
    responses: { 200: z.string() },
    fileMediaTypes: ['application/gzip'],
    errors: [],
  },
  'GET /api/agent/commands': {
    summary:
      "The commands for the agent's cluster to run now (write mode), each leased to it for a few minutes, with the policy's exemptions",
    tags: ['Ingest'],
    responses: { 200: agentCommandsResponseSchema },
    errors: [401, 404, 429],
  },
  'POST /api/agent/commands/{id}/result': {
    summary:
      'The outcome of one command: the same outcome again is a no-op (200), a different one a 409; a command of another cluster is a 404',
    tags: ['Ingest'],
    path: agentCommandPathSchema,
    body: agentCommandResultBodySchema,
    responses: { 200: agentCommandViewSchema },
    errors: [400, 401, 404, 409, 429],
  },
  'GET /api/client/audit': {
    summary:
      "The organization's audit trail, newest first: filtered by time range, actor, actor type, event, target and outcome; `nextCursor` continues with the same filters",
    tags: ['Audit'],
    query: auditListQuerySchema,
    responses: { 200: auditListResponseSchema },
    errors: signedIn,
  },
  'GET /api/client/audit/verify': {
    summary:
      "Walk the organization's whole hash chain: valid, or the first broken link (which record and why: altered, missing, moved, truncated)",
    tags: ['Audit'],
    responses: { 200: auditVerifyResponseSchema },
    errors: [401, 429],
  },
  'GET /api/client/audit/settings': {
    summary:
      'Compliance settings: retention (with the cost warning) and SIEM destinations, never their secrets',
    tags: ['Audit'],
    responses: { 200: auditSettingsViewSchema },
    errors: [401],
  },
  'PUT /api/client/audit/settings': {
    summary:
      'Save retention and SIEM destinations; `version` must be the one read (409 with the current settings if not); a secret left out keeps the stored one',
    tags: ['Audit'],
    body: putAuditSettingsInputSchema,
    responses: { 200: auditSettingsViewSchema },
    // 404: an S3 destination names a cloud account not in the organization.
    errors: [...signedIn, 404, 409],
  },
  'POST /api/client/audit/settings/test-event': {
    summary:
      'Send a test record to a saved SIEM destination with its stored secret; answers whether it arrived and, if not, why',
    tags: ['Audit'],
    body: auditTestEventInputSchema,
    responses: { 200: auditTestEventResponseSchema },
    errors: [...signedIn, 404, 429],
  },
  'GET /api/client/audit/{id}': {
    summary: 'One audit record: its before/after diff field by field, source, request id and hashes',
    tags: ['Audit'],
    path: auditPathSchema,
    responses: { 200: auditRecordDetailSchema },
    errors: [...signedIn, 404],
  },
  'POST /api/client/audit/exports': {
    summary:
      'Export the records of [from, to) as CSV or JSON, with the SHA-256 of the file and a signature the server re-verifies later',
    tags: ['Audit'],
    body: auditExportInputSchema,
    // 200: the file itself; 201: a file too large for a response, stored behind a download URL.
    responses: { 200: auditExportDocumentSchema, 201: auditExportLinkSchema },
    fileMediaTypes: ['application/json', 'text/csv'],
    responseHeaders: {
      'x-content-sha256': 'SHA-256 of the file, 64 hex digits',
      'x-audit-signature':
        'The signature to keep with the file; POST it with the file to /api/client/audit/exports/verify',
      'x-audit-covers':
        'The chain segment the file covers: `<first seq>-<last seq> <last hash>` (empty: none)',
    },
    // 422: the range holds more than one answer can carry and `delivery` is `inline`.
    errors: [...signedIn, 422, 429],
  },
  'POST /api/client/audit/exports/verify': {
    summary:
      'Verify a downloaded export with its signature: signed here for your organization, checksum unchanged, records still chained',
    tags: ['Audit'],
    body: auditExportVerifyInputSchema,
    responses: { 200: auditExportVerifyResponseSchema },
    errors: signedIn,
    // The file travels as a JSON string (escaping adds a little).
    maxBodyBytes: auditExportMaxBytes + 1024 * 1024,
  },
  'GET /api/client/dashboard': {
    summary: 'The dashboard of the organization, one account or one cluster',
    tags: ['Dashboard'],
    query: dashboardQuerySchema,
    responses: { 200: dashboardResponseSchema },
    errors: ofOneAccount,
  },
  'GET /api/client/dashboard/resource-gap': {
    summary: 'Capacity, requests and usage of CPU or memory over 24 h, 7 d or 30 d',
    tags: ['Dashboard'],
    query: resourceGapQuerySchema,
    responses: { 200: resourceGapResponseSchema },
    errors: ofOneAccount,
  },
  'GET /api/client/accounts/{id}/security-groups': {
    summary: "Security groups of a connected account in one region, read live from the customer's AWS",
    tags: ['Accounts'],
    path: accountPathSchema,
    query: securityGroupsQuerySchema,
    responses: { 200: securityGroupListResponseSchema },
    errors: [...ofOneAccount, 409, 422, 502, 429],
  },
  'GET /api/client/node-templates': {
    summary: "The organization's node templates (default first), optionally searched by name",
    tags: ['Node templates'],
    query: listNodeTemplatesQuerySchema,
    responses: { 200: nodeTemplateListResponseSchema },
    errors: signedIn,
  },
  'POST /api/client/node-templates': {
    summary: 'Create a node template (names are unique per organization, case-insensitively)',
    tags: ['Node templates'],
    body: nodeTemplateDraftSchema,
    responses: { 201: nodeTemplateViewSchema },
    errors: [...signedIn, 409, 422],
  },
  'POST /api/client/node-templates/validate': {
    summary: 'Conflicts, allowed instance types and the cost estimate of a draft (nothing is saved)',
    tags: ['Node templates'],
    query: validateNodeTemplateQuerySchema,
    body: validateNodeTemplateInputSchema,
    responses: { 200: validateNodeTemplateResponseSchema },
    errors: [...signedIn, 404],
  },
  'GET /api/client/node-templates/{id}': {
    summary: 'One node template',
    tags: ['Node templates'],
    path: nodeTemplatePathSchema,
    responses: { 200: nodeTemplateViewSchema },
    errors: [...signedIn, 404],
  },
  'PUT /api/client/node-templates/{id}': {
    summary: 'Replace a node template; `version` must be the one read (409 with the current one if not)',
    tags: ['Node templates'],
    path: nodeTemplatePathSchema,
    body: nodeTemplateUpdateSchema,
    responses: { 200: nodeTemplateViewSchema },
    errors: [...signedIn, 404, 409, 422],
  },
  'DELETE /api/client/node-templates/{id}': {
    summary: 'Delete a node template; refused while a policy or cluster uses it, or while it is the default',
    tags: ['Node templates'],
    path: nodeTemplatePathSchema,
    responses: { 204: null },
    errors: [...signedIn, 404, 409],
  },
  'POST /api/client/node-templates/{id}/clone': {
    summary: 'Copy a node template under a new name',
    tags: ['Node templates'],
    path: nodeTemplatePathSchema,
    body: cloneNodeTemplateInputSchema,
    responses: { 201: nodeTemplateViewSchema },
    errors: [...signedIn, 404, 409],
  },
  'POST /api/client/node-templates/{id}/default': {
    summary: "Make a node template the organization's default (the previous default is cleared at once)",
    tags: ['Node templates'],
    path: nodeTemplatePathSchema,
    responses: { 200: nodeTemplateViewSchema },
    errors: [...signedIn, 404],
  },
  'GET /api/client/node-templates/{id}/karpenter': {
    summary: 'The template as a Karpenter v1 NodePool and EC2NodeClass (JSON and YAML) and an ASG policy',
    tags: ['Node templates'],
    path: nodeTemplatePathSchema,
    query: karpenterQuerySchema,
    responses: { 200: karpenterResponseSchema },
    errors: [...signedIn, 404],
  },
  'GET /api/client/policy': {
    summary: "The organization's default optimization policy (version 0: none saved, the product's default)",
    tags: ['Policies'],
    responses: { 200: organizationPolicyViewSchema },
    errors: [401],
  },
  'PUT /api/client/policy': {
    summary:
      'Save the organization default; `version` must be the one read (409 with the current one if not)',
    tags: ['Policies'],
    body: putOrganizationPolicyInputSchema,
    responses: { 200: organizationPolicyViewSchema },
    errors: [...signedIn, 409, 422],
  },
  'GET /api/client/policy/versions': {
    summary: "The saved versions of the organization's default policy, newest first, with their changes",
    tags: ['Policies'],
    responses: { 200: policyVersionListResponseSchema },
    errors: [401],
  },
  'POST /api/client/policy/versions/{version}/restore': {
    summary: 'Restore a version of the organization default (saved as a new version)',
    tags: ['Policies'],
    path: organizationPolicyVersionPathSchema,
    responses: { 200: organizationPolicyViewSchema },
    errors: [...signedIn, 404, 409, 422],
  },
  'GET /api/client/accounts/{id}/policy': {
    summary: "The account's policy overrides (version 0: none saved, everything inherited)",
    tags: ['Policies'],
    path: accountPathSchema,
    responses: { 200: policyOverridesViewSchema },
    errors: ofOneAccount,
  },
  'PUT /api/client/accounts/{id}/policy': {
    summary: "Save the account's overrides; `version` must be the one read (409 with the current one if not)",
    tags: ['Policies'],
    path: accountPathSchema,
    body: putPolicyOverridesInputSchema,
    responses: { 200: policyOverridesViewSchema },
    errors: [...ofOneAccount, 409, 422],
  },
  'GET /api/client/accounts/{id}/policy/versions': {
    summary: "The saved versions of the account's overrides, newest first, with their changes",
    tags: ['Policies'],
    path: accountPathSchema,
    responses: { 200: policyVersionListResponseSchema },
    errors: ofOneAccount,
  },
  'POST /api/client/accounts/{id}/policy/versions/{version}/restore': {
    summary: "Restore a version of the account's overrides (saved as a new version)",
    tags: ['Policies'],
    path: policyVersionPathSchema,
    responses: { 200: policyOverridesViewSchema },
    errors: [...ofOneAccount, 409, 422],
  },
  'GET /api/client/clusters/{id}/policy': {
    summary: "The cluster's policy overrides (version 0: none saved, everything inherited)",
    tags: ['Policies'],
    path: clusterPathSchema,
    responses: { 200: policyOverridesViewSchema },
    errors: ofOneAccount,
  },
  'PUT /api/client/clusters/{id}/policy': {
    summary: "Save the cluster's overrides; `version` must be the one read (409 with the current one if not)",
    tags: ['Policies'],
    path: clusterPathSchema,
    body: putPolicyOverridesInputSchema,
    responses: { 200: policyOverridesViewSchema },
    errors: [...ofOneAccount, 409, 422],
  },
  'GET /api/client/clusters/{id}/policy/versions': {
    summary: "The saved versions of the cluster's overrides, newest first, with their changes",
    tags: ['Policies'],
    path: clusterPathSchema,
    responses: { 200: policyVersionListResponseSchema },
    errors: ofOneAccount,
  },
  'POST /api/client/clusters/{id}/policy/versions/{version}/restore': {
    summary: "Restore a version of the cluster's overrides (saved as a new version)",
    tags: ['Policies'],
    path: policyVersionPathSchema,
    responses: { 200: policyOverridesViewSchema },
    errors: [...ofOneAccount, 409, 422],
  },
  'GET /api/client/clusters/{id}/policy/effective': {
    summary:
      "The cluster's effective policy (organization, then account, then cluster) and who set each field",
    tags: ['Policies'],
    path: clusterPathSchema,
    responses: { 200: effectivePolicyResponseSchema },
    errors: ofOneAccount,
  },
  'POST /api/client/clusters/{id}/policy/preview': {
    summary: 'Potential savings per card of the cluster under a draft of its overrides (nothing is saved)',
    tags: ['Policies'],
    path: clusterPathSchema,
    body: policyPreviewInputSchema,
    responses: { 200: policyPreviewResponseSchema },
    errors: [...ofOneAccount, 422],
  },
  'POST /api/client/clusters/{id}/consolidation': {
    summary:
      'Consolidation of the cluster: `dryRun: true` answers the plan (nodes to remove in waves, pods to move, what stays and why, the saving) and changes nothing; `dryRun: false` starts a run of the consolidation workflow (202; 409 while a run is in progress, in maintenance mode, while the cluster hibernates (asleep or mid-transition; the dry run notes it), when the plan removes no node or the agent cannot take commands)',
    tags: ['Consolidation'],
    path: clusterPathSchema,
    body: consolidationRequestSchema,
    responses: { 200: consolidationPlanResponseSchema, 202: consolidationStartResponseSchema },
    errors: [...ofOneAccount, 409, 422],
  },
  'GET /api/client/clusters/{id}/actions': {
    summary:
      "The optimizer's actions on the cluster: in flight first, then done (newest first), each with its result and predicted and realized saving; `nextCursor` continues",
    tags: ['Consolidation'],
    path: clusterPathSchema,
    query: clusterActionsQuerySchema,
    responses: { 200: clusterActionsResponseSchema },
    errors: ofOneAccount,
  },
  'GET /api/client/clusters/{id}/karpenter': {
    summary:
      "Karpenter integration of the cluster: the NodePool and EC2NodeClass Spot Optimizer applies while Intelligent Autoscaling is on, the cluster's live objects, the drift, what a reconcile would do and the last reconcile's command outcomes",
    tags: ['Consolidation'],
    path: clusterPathSchema,
    responses: { 200: karpenterStateResponseSchema },
    errors: [...ofOneAccount, 422],
  },
  'POST /api/client/clusters/{id}/karpenter/reconcile': {
    summary:
      "Reconcile now: apply Spot Optimizer's NodePool/EC2NodeClass where missing or drifted, or remove its own (never a customer's) when Intelligent Autoscaling is off, through the agent (409 in maintenance mode or when the agent cannot take commands; 422 when the objects cannot be read)",
    tags: ['Consolidation'],
    path: clusterPathSchema,
    responses: { 200: karpenterStateResponseSchema },
    errors: [...ofOneAccount, 409, 422],
  },
  'POST /api/client/clusters/{id}/rightsizing': {
    summary:
      'Workload patches of the cluster (rightsizing in automatic mode, the spot rules): `dryRun: true` answers the patches (before and after per workload, what stays and why) and changes nothing; `dryRun: false` starts a run of the rightsizing workflow (202; 409 while a run is in progress, in maintenance mode, when nothing is to patch or the agent cannot take commands)',
    tags: ['Consolidation'],
    path: clusterPathSchema,
    body: rightsizingRequestSchema,
    responses: { 200: rightsizingPlanResponseSchema, 202: rightsizingStartResponseSchema },
    errors: [...ofOneAccount, 409, 422],
  },
  'GET /api/client/hibernation': {
    summary: 'Every cluster with its hibernation state, next transition and month-to-date savings',
    tags: ['Hibernation'],
    responses: { 200: hibernationFleetResponseSchema },
    errors: [401],
  },
  'GET /api/client/clusters/{id}/hibernation': {
    summary:
      "The cluster's hibernation schedule, dated overrides, scope, protection, notifications and live status (version 0: none saved)",
    tags: ['Hibernation'],
    path: clusterPathSchema,
    responses: { 200: hibernationViewSchema },
    errors: ofOneAccount,
  },
  'PUT /api/client/clusters/{id}/hibernation': {
    summary:
      "Save the cluster's hibernation schedule and upcoming overrides; `version` must be the one read (409 with the current one if not)",
    tags: ['Hibernation'],
    path: clusterPathSchema,
    body: putHibernationInputSchema,
    responses: { 200: hibernationViewSchema },
    errors: [...ofOneAccount, 409],
  },
  'POST /api/client/clusters/{id}/hibernation/wake': {
    summary: 'Wake the cluster now for some hours or until an instant, without editing the schedule',
    tags: ['Hibernation'],
    path: clusterPathSchema,
    body: wakeInputSchema,
    responses: { 200: hibernationActionResponseSchema },
    errors: [...ofOneAccount, 422],
  },
  'POST /api/client/clusters/{id}/hibernation/sleep': {
    summary: 'Hibernate the cluster now until its schedule next wakes it, without editing the schedule',
    tags: ['Hibernation'],
    path: clusterPathSchema,
    responses: { 200: hibernationActionResponseSchema },
    errors: [...ofOneAccount, 422],
  },
  'POST /api/client/hibernation/holidays/preview': {
    summary: "A country's (and region's) public holidays for a year, as holiday overrides (nothing is saved)",
    tags: ['Hibernation'],
    body: holidayPreviewInputSchema,
    responses: { 200: holidayPreviewResponseSchema },
    errors: signedIn,
  },
  'GET /api/public/hibernation/snooze': {
    summary:
      "What a hibernation notice's Snooze link would do (no sign-in; nothing changes): 400 damaged, 404 cluster gone, 409 used, 410 expired",
    tags: ['Hibernation'],
    query: snoozeQuerySchema,
    responses: { 200: snoozePreviewSchema },
    errors: [400, 404, 409, 410, 429],
  },
  'POST /api/public/hibernation/snooze': {
    summary:
      'Confirm a Snooze link (no sign-in): the cluster stays awake 2 hours past its planned sleep; the link works once',
    tags: ['Hibernation'],
    body: snoozeInputSchema,
    responses: { 200: snoozeResultSchema },
    errors: [400, 404, 409, 410, 422, 429],
  },
  'GET /api/admin/organizations': {
    summary: 'Every organization with its accounts (platform admins)',
    tags: ['Admin'],
    responses: { 200: adminOrganizationListSchema },
    errors: [401, 403],
  },
} as const satisfies Record<string, RouteContract>;

export type ApiRouteKey = keyof typeof apiContracts;

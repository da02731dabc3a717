import { ConflictError, maskAwsAccountId, NotFoundError } from '@spot/shared';
import type { z } from 'zod';
import { accountSecretKey } from '../data/entities/account-secret';
import { awsAccountClaimKey } from '../data/entities/aws-account-claim';
import {
  accountsOfOrgQuery,
  allAccountsQuery,
  cloudAccountEntity,
  cloudAccountKey,
} from '../data/entities/cloud-account';
import { discoveryProgressEntity, discoveryProgressKey } from '../data/entities/discovery-progress';
import { allOrganizationsQuery, organizationEntity } from '../data/entities/organization';
import {
  cancelledConditions,
  getItem,
  isConditionalCheckFailed,
  queryAll,
  queryRaw,
  transactDelete,
  transactWrite,
  updateEntity,
  where,
} from '../data/repository';
import { errorFields, logger } from '../lib/logger';
import { port } from '../ports';
import { type DiscoveryProgress, scanProgressOf } from './discovery/progress';

export type CloudAccount = z.infer<typeof cloudAccountEntity.schema>;
export type AccountView = ReturnType<typeof toAccountView>;

/**
 * The API shape of an account: never the role's External ID, never anything of a stored secret. With the
 * progress of its latest discovery run when it was read (a scan that has just been started has none yet).
 */
export const toAccountView = (a: CloudAccount, progress: DiscoveryProgress | null = null) => ({
  id: a.accountId,
  name: a.name,
  awsAccountIdMasked: maskAwsAccountId(a.awsAccountId ?? undefined),
  region: a.region,
  method: a.method,
  status: a.status,
  statusReason: a.statusReason,
  lastDiscoveryAt: a.lastDiscoveryAt,
  createdAt: a.createdAt,
  discovery: scanProgressOf(a.status, progress),
});

/** What an audit record keeps of an account: enough to tell which one and how it was linked, no secret. */
export const auditViewOf = (a: CloudAccount) => ({
  name: a.name,
  awsAccountIdMasked: maskAwsAccountId(a.awsAccountId ?? undefined),
  region: a.region,
  method: a.method,
  status: a.status,
});

/** Name of the periodic discovery schedule of an account (EventBridge Scheduler, product group). */
export const discoveryScheduleName = (accountId: string) => `discovery-${accountId}`;

/** The organization's accounts with their discovery progress: one Query reads both (pattern 6). */
export async function listAccounts(orgId: string) {
  const items = await queryRaw(accountsOfOrgQuery(orgId));
  const progress = new Map(
    items
      .filter((i) => i.entity === discoveryProgressEntity.name)
      .map((i) => discoveryProgressEntity.fromItem(i))
      .map((p) => [p.accountId, p]),
  );
  return items
    .filter((i) => i.entity === cloudAccountEntity.name)
    .map((i) => cloudAccountEntity.fromItem(i))
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
    .map((a) => toAccountView(a, progress.get(a.accountId) ?? null));
}

/** The progress of an account's latest discovery run, if it has one. */
const progressOf = (orgId: string, accountId: string) =>
  getItem(discoveryProgressEntity, discoveryProgressKey(orgId, accountId)).then((p) => p ?? null);

/** Admin console: every organization with its accounts and their last discovery (read-only). */
export async function listOrganizationsForAdmin() {
  const [orgs, accounts] = await Promise.all([
    queryAll(organizationEntity, allOrganizationsQuery),
    queryAll(cloudAccountEntity, allAccountsQuery),
  ]);
  const byOrg = new Map<string, CloudAccount[]>();
  for (const a of accounts) byOrg.set(a.orgId, [...(byOrg.get(a.orgId) ?? []), a]);
  return orgs.map((o) => ({
    orgId: o.orgId,
    name: o.name,
    createdAt: o.createdAt,
    // Status and last discovery only: a scan's progress is not read for the console.
    accounts: (byOrg.get(o.orgId) ?? []).map((a) => toAccountView(a)),
  }));
}

const accountNotFound = () => new NotFoundError('The cloud account');

/**
 * One account of the caller's organization. The key is built from the caller's organization, so another
 * organization's id simply does not exist here: 404, never 403, so ids leak nothing.
 */
export async function loadAccount(orgId: string, accountId: string): Promise<CloudAccount> {
  const account = await getItem(cloudAccountEntity, cloudAccountKey(orgId, accountId), true);
  if (!account) throw accountNotFound();
  return account;
}

export async function getAccount(orgId: string, accountId: string) {
  const [account, progress] = await Promise.all([
    loadAccount(orgId, accountId),
    progressOf(orgId, accountId),
  ]);
  return toAccountView(account, progress);
}

export async function renameAccount(orgId: string, accountId: string, name: string, now: Date) {
  // Everything read first: the update is the request's last call, so a failure never leaves it half done.
  const [before, progress] = await Promise.all([loadAccount(orgId, accountId), progressOf(orgId, accountId)]);
  try {
    const after = await updateEntity(
      cloudAccountEntity,
      cloudAccountKey(orgId, accountId),
      { set: { name, updatedAt: now.toISOString() } },
      where.itemExists(),
    );
    return {
      account: toAccountView(after, progress),
      before: { name: before.name },
      after: { name: after.name },
    };
  } catch (error) {
    if (isConditionalCheckFailed(error)) throw accountNotFound();
    throw error;
  }
}

/**
 * Disconnect: the account, its AWS account claim (so the id can be connected again, by anyone who
 * proves access to it), its stored secret and its discovery progress go in ONE transaction; then its periodic discovery
 * schedule is deleted. Discovered inventory and audit records stay: audit records are never deleted.
 */
export async function disconnectAccount(orgId: string, accountId: string) {
  const account = await loadAccount(orgId, accountId);
  const items = [
    transactDelete(cloudAccountKey(orgId, accountId), where.itemExists()),
    transactDelete(accountSecretKey(orgId, accountId)),
    // Its last scan's progress goes with it (a late step of a run still going writes nothing: each of
    // its updates is conditioned on the run's id).
    transactDelete(discoveryProgressKey(orgId, accountId)),
  ];
  if (account.awsAccountId) {
    items.push(
      transactDelete(
        awsAccountClaimKey(account.awsAccountId),
        // Only our own claim: a claim some other organization holds is never touched.
        where.or(
          where.itemNotExists(),
          where.and(where.eq('orgId', orgId), where.eq('accountId', accountId)),
        ),
      ),
    );
  }
  try {
    await transactWrite(items);
  } catch (error) {
    // Gone meanwhile (a concurrent disconnect) or the claim is not ours: 404. A conflict or throttling
    // cancels the transaction too, but that is "busy, try again" (503), not "not found".
    if (cancelledConditions(error)?.some(Boolean)) throw accountNotFound();
    throw error;
  }
  await port('scheduler').deleteSchedule(discoveryScheduleName(accountId));
  return { before: auditViewOf(account) };
}

/**
 * Starts a discovery execution for an account that is already `scanning` and records its ARN. If the
 * workflow cannot be started the account turns `error` with a reason (the user can Re-Sync), and the
 * account is returned as it now is.
 */
export async function startDiscovery(
  account: CloudAccount,
  now: Date,
  namePrefix: 'sync' | 'resume' = 'sync',
): Promise<CloudAccount> {
  const name = `${namePrefix}-${account.accountId}-${now.getTime()}`;
  let update: { status?: 'error'; statusReason?: string; lastExecutionArn?: string };
  try {
    const { executionArn } = await port('workflows').startExecution(
      'discovery',
      { orgId: account.orgId, accountId: account.accountId },
      name,
    );
    update = { lastExecutionArn: executionArn };
  } catch (error) {
    logger.error('discovery did not start', { accountId: account.accountId, ...errorFields(error) });
    update = {
      status: 'error',
      statusReason: 'Discovery could not be started. Use Re-Sync to try again.',
    };
  }
  try {
    return await updateEntity(
      cloudAccountEntity,
      cloudAccountKey(account.orgId, account.accountId),
      { set: { updatedAt: now.toISOString(), ...update } },
      // Disconnected in the meantime: leave it gone.
      where.itemExists(),
    );
  } catch (error) {
    if (isConditionalCheckFailed(error)) throw accountNotFound();
    throw error;
  }
}

/** Re-Sync: a fresh discovery of a connected account; its status goes back to `scanning` at once. */
export async function resyncAccount(orgId: string, accountId: string, now: Date) {
  const before = await loadAccount(orgId, accountId);
  if (!before.awsAccountId) {
    throw new ConflictError(
      'ACCOUNT_NOT_CONNECTED',
      'This account is not linked to AWS yet. Connect it first; discovery starts on its own.',
    );
  }
  let scanning: CloudAccount;
  try {
    scanning = await updateEntity(
      cloudAccountEntity,
      cloudAccountKey(orgId, accountId),
      { set: { status: 'scanning', statusReason: null, updatedAt: now.toISOString() } },
      where.itemExists(),
    );
  } catch (error) {
    if (isConditionalCheckFailed(error)) throw accountNotFound();
    throw error;
  }
  const after = await startDiscovery(scanning, now);
  return {
    account: toAccountView(after),
    before: { status: before.status },
    after: { status: after.status, execution: executionNameOf(after) },
  };
}

/** The execution's name (last segment of its ARN): enough to find it, without the platform's account id. */
export const executionNameOf = (a: CloudAccount) => a.lastExecutionArn?.split(':').pop() ?? null;

import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError, maskAwsAccountId, NotFoundError } from '@spot/shared';
import type { z } from 'zod';
import { db, tableName } from '../data/client';
import { accountSecretKey } from '../data/entities/account-secret';
import { awsAccountClaimKey } from '../data/entities/aws-account-claim';
import {
  accountsOfOrgQuery,
  allAccountsQuery,
  cloudAccountEntity,
  cloudAccountKey,
} from '../data/entities/cloud-account';
import { allOrganizationsQuery, organizationEntity } from '../data/entities/organization';
import { getItem, isConditionalCheckFailed, queryAll, transactWrite } from '../data/repository';
import { errorFields, logger } from '../lib/logger';
import { port } from '../ports';

export type CloudAccount = z.infer<typeof cloudAccountEntity.schema>;
export type AccountView = ReturnType<typeof toAccountView>;

/** The API shape of an account: never the role's External ID, never anything of a stored secret. */
export const toAccountView = (a: CloudAccount) => ({
  id: a.accountId,
  name: a.name,
  awsAccountIdMasked: maskAwsAccountId(a.awsAccountId ?? undefined),
  region: a.region,
  method: a.method,
  status: a.status,
  statusReason: a.statusReason,
  lastDiscoveryAt: a.lastDiscoveryAt,
  createdAt: a.createdAt,
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

export async function listAccounts(orgId: string) {
  const accounts = await queryAll(cloudAccountEntity, accountsOfOrgQuery(orgId));
  return accounts.sort((a, b) => a.createdAt.localeCompare(b.createdAt)).map(toAccountView);
}

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
    accounts: (byOrg.get(o.orgId) ?? []).map(toAccountView),
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
  return toAccountView(await loadAccount(orgId, accountId));
}

export async function renameAccount(orgId: string, accountId: string, name: string, now: Date) {
  const before = await loadAccount(orgId, accountId);
  try {
    const out = await db().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: cloudAccountKey(orgId, accountId),
        UpdateExpression: 'SET #name = :name, updatedAt = :now',
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeNames: { '#name': 'name' },
        ExpressionAttributeValues: { ':name': name, ':now': now.toISOString() },
        ReturnValues: 'ALL_NEW',
      }),
    );
    const after = cloudAccountEntity.fromItem(out.Attributes ?? {});
    return { account: toAccountView(after), before: { name: before.name }, after: { name: after.name } };
  } catch (error) {
    if (isConditionalCheckFailed(error)) throw accountNotFound();
    throw error;
  }
}

/**
 * Disconnect: the account, its AWS account claim (so the id can be connected again, by anyone who
 * proves access to it) and its stored secret go in ONE transaction; then its periodic discovery
 * schedule is deleted. Discovered inventory and audit records stay: audit records are never deleted.
 */
export async function disconnectAccount(orgId: string, accountId: string) {
  const account = await loadAccount(orgId, accountId);
  const items: Parameters<typeof transactWrite>[0] = [
    {
      Delete: {
        TableName: tableName(),
        Key: cloudAccountKey(orgId, accountId),
        ConditionExpression: 'attribute_exists(PK)',
      },
    },
    { Delete: { TableName: tableName(), Key: accountSecretKey(orgId, accountId) } },
  ];
  if (account.awsAccountId) {
    items.push({
      Delete: {
        TableName: tableName(),
        Key: awsAccountClaimKey(account.awsAccountId),
        // Only our own claim: a claim some other organization holds is never touched.
        ConditionExpression: 'attribute_not_exists(PK) OR (orgId = :org AND accountId = :acct)',
        ExpressionAttributeValues: { ':org': orgId, ':acct': accountId },
      },
    });
  }
  try {
    await transactWrite(items);
  } catch (error) {
    if ((error as { name?: string }).name === 'TransactionCanceledException') throw accountNotFound();
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
export async function startDiscovery(account: CloudAccount, now: Date): Promise<CloudAccount> {
  const name = `sync-${account.accountId}-${now.getTime()}`;
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
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ':now': now.toISOString() };
  const sets = ['updatedAt = :now'];
  for (const [field, value] of Object.entries(update)) {
    names[`#${field}`] = field;
    values[`:${field}`] = value;
    sets.push(`#${field} = :${field}`);
  }
  try {
    const out = await db().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: cloudAccountKey(account.orgId, account.accountId),
        UpdateExpression: `SET ${sets.join(', ')}`,
        // Disconnected in the meantime: leave it gone.
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      }),
    );
    return cloudAccountEntity.fromItem(out.Attributes ?? {});
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
    const out = await db().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: cloudAccountKey(orgId, accountId),
        UpdateExpression: 'SET #status = :scanning, statusReason = :null, updatedAt = :now',
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':scanning': 'scanning', ':null': null, ':now': now.toISOString() },
        ReturnValues: 'ALL_NEW',
      }),
    );
    scanning = cloudAccountEntity.fromItem(out.Attributes ?? {});
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

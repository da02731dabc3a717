import { maskAwsAccountId } from '@spot/shared';
import type { z } from 'zod';
import { accountsOfOrgQuery, allAccountsQuery, cloudAccountEntity } from '../data/entities/cloud-account';
import { allOrganizationsQuery, organizationEntity } from '../data/entities/organization';
import { queryAll } from '../data/repository';

type CloudAccount = z.infer<typeof cloudAccountEntity.schema>;

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

import { accountStatusSchema, connectionMethodSchema } from '@spot/shared';
import { z } from 'zod';
import { defineEntity } from '../entity';
import { orgItemKey, orgItemsQuery, orgPk } from './organization';

export const cloudAccountEntity = defineEntity(
  'CloudAccount',
  z.object({
    orgId: z.string(),
    accountId: z.string(),
    name: z.string(),
    /** Null while the account is the placeholder made at sign-up. */
    awsAccountId: z.string().nullable(),
    region: z.string().nullable(),
    method: connectionMethodSchema.nullable(),
    status: accountStatusSchema,
    statusReason: z.string().nullable(),
    roleArn: z.string().nullable().default(null),
    externalId: z.string().nullable().default(null),
    createdAt: z.string(),
    updatedAt: z.string(),
    lastDiscoveryAt: z.string().nullable().default(null),
    lastExecutionArn: z.string().nullable().default(null),
    /**
     * The interrupted execution a start-up sweep claimed to resume (`none` when there was none), until the
     * sweep records the execution it started: a second sweep reading in between leaves it alone.
     */
    resumingFrom: z.string().optional(),
  }),
  (a) => ({
    ...cloudAccountKey(a.orgId, a.accountId),
    GSI2PK: 'ACCOUNTS',
    GSI2SK: `${orgPk(a.orgId)}#ACCOUNT#${a.accountId}`,
  }),
);
export const cloudAccountKey = orgItemKey('ACCOUNT');
export const accountsOfOrgQuery = orgItemsQuery('ACCOUNT');
/** Admin console: every account of every organization. */
export const allAccountsQuery = { index: 'GSI2' as const, pk: 'ACCOUNTS' };

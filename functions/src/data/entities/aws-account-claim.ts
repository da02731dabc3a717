import { z } from 'zod';
import { defineEntity } from '../entity';

/** One AWS account id belongs to at most one organization: a conditional put on this item decides. */
export const awsAccountClaimEntity = defineEntity(
  'AwsAccountClaim',
  z.object({ awsAccountId: z.string(), orgId: z.string(), accountId: z.string(), claimedAt: z.string() }),
  (c) => awsAccountClaimKey(c.awsAccountId),
);
export const awsAccountClaimKey = (awsAccountId: string) => ({
  PK: `AWSACCOUNT#${awsAccountId}`,
  SK: 'CLAIM',
});

import { apiContracts, maskAwsAccountId } from '@spot/shared';
import { connectAccount } from '../../domain/accounts-connect';
import { httpHandler } from '../../http/handler';

/** Verify (role) or Connect (access keys): proves the credentials, claims the AWS account, starts discovery. */
export const handler = httpHandler(
  {
    auth: 'user',
    contract: apiContracts['POST /api/client/accounts/connect'],
    audit: { action: 'account.connect', resourceType: 'cloud-account' },
  },
  async ({ caller, body, now, audit }) => {
    // Filled first so a refused attempt is audited with what was tried (never the secret).
    audit.after = {
      method: body.method,
      region: body.region,
      awsAccountIdMasked: maskAwsAccountId(body.awsAccountId),
    };
    const result = await connectAccount(caller.orgId, body, now);
    Object.assign(audit, {
      target: `cloud-account/${result.account.id}`,
      accountId: result.account.id,
      before: result.before,
      after: result.after,
    });
    return { statusCode: result.created ? 201 : 200, body: result.account };
  },
);

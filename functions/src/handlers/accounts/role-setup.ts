import { apiContracts, maskAwsAccountId } from '@spot/shared';
import { createRoleSetup } from '../../domain/accounts-connect';
import { httpHandler } from '../../http/handler';

/** Option A, first half: a fresh External ID and the CloudFormation quick-create link for it. */
export const handler = httpHandler(
  {
    auth: 'user',
    contract: apiContracts['POST /api/client/accounts/role-setup'],
    audit: { action: 'account.role-setup', resourceType: 'cloud-account' },
  },
  async ({ caller, body, now, audit }) => {
    const setup = await createRoleSetup(caller.orgId, body, now);
    // Like the account view, the audit keeps the AWS account id masked and never the External ID.
    Object.assign(audit, {
      target: 'role-setup',
      after: {
        awsAccountIdMasked: maskAwsAccountId(body.awsAccountId),
        region: body.region,
        enableWriteActions: body.enableWriteActions,
      },
    });
    return { statusCode: 201, body: setup };
  },
);

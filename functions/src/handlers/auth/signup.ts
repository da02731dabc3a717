import { apiContracts } from '@spot/shared';
import { signUp } from '../../domain/signup';
import { httpHandler } from '../../http/handler';
import { port } from '../../ports';

export const handler = httpHandler(
  {
    auth: 'public',
    contract: apiContracts['POST /api/auth/signup'],
    audit: { action: 'organization.signup', resourceType: 'organization' },
  },
  async ({ body, now, audit }) => {
    const result = await signUp(body, port('identity'), now);
    Object.assign(audit, {
      orgId: result.orgId,
      actorId: result.userId,
      actorName: body.email,
      target: `organization/${result.orgId}`,
      after: {
        organizationName: body.organizationName,
        email: body.email,
        placeholderAccountId: result.accountId,
      },
    });
    return { statusCode: 201, body: result };
  },
);

import { apiContracts } from '@spot/shared';
import { markOnboardingWizardSeen } from '../../domain/signup';
import { httpHandler } from '../../http/handler';

/** The first-run wizard shows once per organization: the server keeps that it was seen. */
export const handler = httpHandler(
  {
    auth: 'user',
    contract: apiContracts['POST /api/me/onboarding-wizard'],
    audit: { action: 'onboarding.wizard', resourceType: 'organization' },
  },
  async ({ caller, body, now, audit }) => {
    Object.assign(audit, { target: `organization/${caller.orgId}`, after: { outcome: body.outcome } });
    await markOnboardingWizardSeen(caller.orgId, now);
    return { statusCode: 204 };
  },
);

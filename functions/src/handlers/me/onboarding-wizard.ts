import { z } from 'zod';
import { markOnboardingWizardSeen } from '../../domain/signup';
import { httpHandler } from '../../http/handler';

const body = z.object({ outcome: z.enum(['skipped', 'completed']) });

/** The first-run wizard shows once per organization: the server keeps that it was seen. */
export const handler = httpHandler(
  { auth: 'user', body, audit: { action: `onboarding.wizard`, resourceType: 'organization' } },
  async ({ caller, body, now, audit }) => {
    Object.assign(audit, { target: `organization/${caller.orgId}`, after: { outcome: body.outcome } });
    await markOnboardingWizardSeen(caller.orgId, now);
    return { statusCode: 204 };
  },
);

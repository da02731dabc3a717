import { NotFoundError } from '@spot/shared';
import { organizationEntity, organizationKey } from '../data/entities/organization';
import { getItem } from '../data/repository';
import type { Caller } from '../http/handler';

export async function describeCaller(caller: Caller) {
  const org = await getItem(organizationEntity, organizationKey(caller.orgId));
  if (!org) throw new NotFoundError('Your organization');
  return {
    userId: caller.userId,
    email: caller.email,
    role: caller.role,
    orgId: caller.orgId,
    organizationName: org.name,
    onboardingWizardSeen: org.onboardingWizardSeenAt !== null,
  };
}

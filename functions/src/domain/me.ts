import { NotFoundError } from '@spot/shared';
import { organizationEntity, organizationKey } from '../data/entities/organization';
import { getItem } from '../data/repository';
import type { Caller } from '../http/handler';
import { platformOrgId } from './admin';

export async function describeCaller(caller: Caller) {
  const org = await getItem(organizationEntity, organizationKey(caller.orgId));
  if (!org && caller.orgId !== platformOrgId) throw new NotFoundError('Your organization');
  return {
    userId: caller.userId,
    email: caller.email,
    role: caller.role,
    orgId: caller.orgId,
    organizationName: org?.name ?? 'Platform administration',
    onboardingWizardSeen: org ? org.onboardingWizardSeenAt !== null : true,
  };
}

import { z } from 'zod';
import { userRoleSchema } from './user';

/** `GET /api/me`: the signed-in user and their organization. */
export const meResponseSchema = z.object({
  userId: z.string(),
  email: z.string(),
  role: userRoleSchema,
  orgId: z.string(),
  organizationName: z.string(),
  /** The first-run wizard shows once per organization. */
  onboardingWizardSeen: z.boolean(),
});
export type Me = z.infer<typeof meResponseSchema>;

/** `POST /api/me/onboarding-wizard`: how the first-run wizard ended. */
export const onboardingWizardInputSchema = z.object({ outcome: z.enum(['skipped', 'completed']) });
export type OnboardingWizardInput = z.infer<typeof onboardingWizardInputSchema>;

import { randomUUID } from 'node:crypto';
import { ConflictError, type SignUpInput } from '@spot/shared';
import { cloudAccountEntity } from '../data/entities/cloud-account';
import { emailClaimEntity, emailClaimKey, staleReservationMs } from '../data/entities/email-claim';
import { organizationEntity, organizationKey } from '../data/entities/organization';
import { userProfileEntity } from '../data/entities/user-profile';
import {
  deleteItem,
  isConditionalCheckFailed,
  putItem,
  transactPut,
  transactUpdate,
  transactWrite,
  updateItem,
  where,
} from '../data/repository';
import { errorFields, logger } from '../lib/logger';
import type { IdentityPort } from '../ports';

export interface SignUpResult {
  userId: string;
  orgId: string;
  accountId: string;
  confirmationRequired: boolean;
}

const emailTaken = () =>
  new ConflictError(
    'EMAIL_TAKEN',
    'An account with this email already exists. Sign in instead, or use another email.',
  );

/**
 * Sign-up: reserve the email (conditional put), create the Cognito user, then ONE transaction that
 * creates the organization, the user profile (role client), the placeholder cloud account (status
 * pending) and completes the email claim. Any failure after the reservation undoes what was done, so
 * there is never a user without an organization, nor an organization without its user.
 */
export async function signUp(input: SignUpInput, identity: IdentityPort, now: Date): Promise<SignUpResult> {
  const attemptId = randomUUID();
  const nowIso = now.toISOString();
  try {
    await putItem(
      emailClaimEntity,
      { email: input.email, status: 'reserved', attemptId, reservedAt: nowIso, orgId: null, userId: null },
      where.or(
        where.itemNotExists(),
        where.and(
          where.eq('status', 'reserved'),
          where.lt('reservedAt', new Date(now.getTime() - staleReservationMs).toISOString()),
        ),
      ),
    );
  } catch (error) {
    if (isConditionalCheckFailed(error)) throw emailTaken();
    throw error;
  }

  let created: { userId: string; confirmationRequired: boolean } | undefined;
  try {
    created = await identity.createUser(input.email, input.password, 'client');
    const orgId = randomUUID();
    const accountId = randomUUID();
    await transactWrite([
      transactPut(
        organizationEntity,
        { orgId, name: input.organizationName, createdAt: nowIso, onboardingWizardSeenAt: null },
        true,
      ),
      transactPut(
        userProfileEntity,
        {
          userId: created.userId,
          orgId,
          email: input.email,
          role: 'client',
          createdAt: nowIso,
          tokensRevokedBefore: null,
        },
        true,
      ),
      transactPut(
        cloudAccountEntity,
        {
          orgId,
          accountId,
          name: 'My AWS account',
          awsAccountId: null,
          region: null,
          method: null,
          status: 'pending',
          statusReason: 'Connect an AWS account to start.',
          roleArn: null,
          externalId: null,
          createdAt: nowIso,
          updatedAt: nowIso,
          lastDiscoveryAt: null,
          lastExecutionArn: null,
        },
        true,
      ),
      transactUpdate(
        emailClaimKey(input.email),
        { set: { status: 'complete', orgId, userId: created.userId } },
        where.eq('attemptId', attemptId),
      ),
    ]);
    return { userId: created.userId, orgId, accountId, confirmationRequired: created.confirmationRequired };
  } catch (error) {
    await undoSignUp(input.email, attemptId, created !== undefined, identity);
    throw error;
  }
}

async function undoSignUp(email: string, attemptId: string, userCreated: boolean, identity: IdentityPort) {
  try {
    if (userCreated) await identity.deleteUser(email);
    await deleteItem(emailClaimKey(email), where.eq('attemptId', attemptId));
  } catch (error) {
    // The reservation expires on its own; log so an operator can see the orphan if the user delete failed.
    logger.error('sign-up rollback incomplete', { email, ...errorFields(error) });
  }
}

/** Records that the organization has seen (skipped or finished) the first-run wizard; the first time wins. */
export async function markOnboardingWizardSeen(orgId: string, now: Date): Promise<void> {
  try {
    await updateItem(
      organizationKey(orgId),
      { set: { onboardingWizardSeenAt: now.toISOString() } },
      { condition: where.and(where.itemExists(), where.isNull('onboardingWizardSeenAt')) },
    );
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw error;
  }
}

import { randomUUID } from 'node:crypto';
import {
  CloudAccessError,
  ConflictError,
  type ConnectInput,
  maskAwsAccountId,
  NotFoundError,
  type RoleSetupInput,
  ValidationError,
} from '@spot/shared';
import {
  customerReadActions,
  customerRoleName,
  customerRoleNamePrefix,
} from '@spot/shared/model/customer-permissions';
import { accountSecretEntity, accountSecretKey } from '../data/entities/account-secret';
import { awsAccountClaimEntity, awsAccountClaimKey } from '../data/entities/aws-account-claim';
import { accountsOfOrgQuery, cloudAccountEntity, cloudAccountKey } from '../data/entities/cloud-account';
import { roleSetupEntity, roleSetupKey, roleSetupTtlDays } from '../data/entities/role-setup';
import {
  cancellationReasons,
  getItem,
  putItem,
  queryAll,
  type TransactItem,
  transactDelete,
  transactPut,
  transactWrite,
  where,
} from '../data/repository';
import { isLocalStack, optionalEnv, requiredEnv } from '../lib/env';
import type { CloudTarget } from '../ports/cloud';
import { port } from '../ports/index';
import { auditViewOf, type CloudAccount, loadAccount, startDiscovery, toAccountView } from './accounts';
import { openSecret, sealSecret } from './envelope';

// ---------------------------------------------------------------------------------------------------
// Role setup: External ID and CloudFormation quick-create link

/** Where the gateway of the local stack serves the checked-in template. */
export const localOnboardingTemplatePath = '/cfn-templates/spot-optimizer-onboarding.template.json';
/** The local stack's stand-in for the platform (the account id its Step Functions use). */
export const localPlatformPrincipalArn = 'arn:aws:iam::000000000000:root';
export const onboardingStackName = 'SpotOptimizer';

/**
 * `ONBOARDING_TEMPLATE_URL` (the template in a public S3 bucket) and `PLATFORM_PRINCIPAL_ARN` (the
 * principal the customer's role trusts). The local stack has defaults; in AWS both must be set, since a
 * link with a wrong principal would create a role nobody can assume.
 */
export function onboardingSettings() {
  const setting = (name: string, localDefault: string) =>
    optionalEnv(name) ?? (isLocalStack() ? localDefault : requiredEnv(name));
  return {
    templateUrl: setting('ONBOARDING_TEMPLATE_URL', localOnboardingTemplatePath),
    platformPrincipalArn: setting('PLATFORM_PRINCIPAL_ARN', localPlatformPrincipalArn),
  };
}

export function quickCreateUrl(p: {
  region: string;
  templateUrl: string;
  externalId: string;
  platformPrincipalArn: string;
  enableWriteActions: boolean;
}): string {
  const fragment = new URLSearchParams({
    templateURL: p.templateUrl,
    stackName: onboardingStackName,
    param_ExternalId: p.externalId,
    param_PlatformPrincipalArn: p.platformPrincipalArn,
    param_EnableWriteActions: String(p.enableWriteActions),
  });
  return `https://console.aws.amazon.com/cloudformation/home?region=${encodeURIComponent(p.region)}#/stacks/quickcreate?${fragment}`;
}

/** The ARN of the role the template creates for this External ID (its name is derived from the id). */
export const expectedRoleArn = (awsAccountId: string, externalId: string) =>
  `arn:aws:iam::${awsAccountId}:role/${customerRoleName(externalId)}`;

/**
 * Hands out a fresh External ID (UUID v4) for one connection, kept as a RoleSetup item that expires
 * after {@link roleSetupTtlDays} days. Nothing is checked against the AWS account id here: whether it
 * is already connected is told only to someone who proves access to it (at connect), so this route
 * cannot be used to find out which AWS accounts use the product.
 */
export async function createRoleSetup(orgId: string, input: RoleSetupInput, now: Date) {
  const { templateUrl, platformPrincipalArn } = onboardingSettings();
  const externalId = randomUUID();
  await putItem(roleSetupEntity, {
    orgId,
    externalId,
    awsAccountId: input.awsAccountId,
    region: input.region,
    createdAt: now.toISOString(),
  });
  return {
    externalId,
    quickCreateUrl: quickCreateUrl({ ...input, templateUrl, externalId, platformPrincipalArn }),
    templateUrl,
    platformPrincipalArn,
    stackName: onboardingStackName,
    roleArn: expectedRoleArn(input.awsAccountId, externalId),
    expiresAt: new Date(now.getTime() + roleSetupTtlDays * 86_400_000).toISOString(),
  };
}

// ---------------------------------------------------------------------------------------------------
// Connect

const fieldError = (field: string, message: string) =>
  new ValidationError(`${field}: ${message}`, { issues: [{ field, message }] });

const claimedElsewhere = () =>
  new ConflictError(
    'AWS_ACCOUNT_CLAIMED',
    'This AWS account is already connected to another Spot Optimizer organization. Ask its owner to disconnect it, or contact support.',
  );

const accountMismatch = (entered: string, actual: string) =>
  new CloudAccessError(
    'ACCOUNT_MISMATCH',
    `These credentials belong to AWS account ${maskAwsAccountId(actual)}, not ${maskAwsAccountId(entered)}. Check the account id or use credentials of that account.`,
  );

const roleSetupInvalid = () =>
  fieldError(
    'externalId',
    'This External ID was not issued to your organization, was already used, or has expired. Generate a new one with the role setup step.',
  );

/** Checks the External ID against the role setup that issued it; returns the setup's key for consumption. */
async function checkRoleSetup(orgId: string, input: Extract<ConnectInput, { method: 'role' }>, now: Date) {
  const arnAccount = input.roleArn.split(':')[4];
  if (arnAccount !== input.awsAccountId) {
    throw fieldError('roleArn', `The role must be in AWS account ${maskAwsAccountId(input.awsAccountId)}.`);
  }
  const roleName = input.roleArn.split(':role/')[1]?.split('/').pop() ?? '';
  if (!roleName.startsWith(customerRoleNamePrefix)) {
    throw fieldError(
      'roleArn',
      `The role name must start with ${customerRoleNamePrefix}: the platform may assume only such roles. Use the role the template created.`,
    );
  }
  const setup = await getItem(roleSetupEntity, roleSetupKey(orgId, input.externalId), true);
  // TTL deletes lazily (within days): an expired item may still be there.
  const expired = setup && Date.parse(setup.createdAt) + roleSetupTtlDays * 86_400_000 < now.getTime();
  if (!setup || expired) throw roleSetupInvalid();
  if (setup.awsAccountId !== input.awsAccountId) {
    throw fieldError(
      'awsAccountId',
      `This External ID was issued for AWS account ${maskAwsAccountId(setup.awsAccountId)}. Use that account or generate a new External ID.`,
    );
  }
}

/**
 * Every read action the product needs must be allowed (the optional ones only degrade a feature, which
 * says so where it shows); the error names each one that is not.
 */
async function checkReadPermissions(target: CloudTarget, method: ConnectInput['method']) {
  const results = await port('cloud').checkPermissions(
    target,
    customerReadActions.filter((a) => !a.optional).map((a) => a.action),
  );
  const missing = results.filter((r) => !r.allowed);
  if (missing.length === 0) return;
  const who = method === 'role' ? 'The role' : 'These access keys';
  const fix =
    method === 'role'
      ? 'Update the stack with the current template (or add them to the role policy), then Verify again.'
      : 'Attach a policy allowing them to the IAM user, then Connect again.';
  const list = missing.map((m) => (m.reason ? `${m.action} (${m.reason})` : m.action)).join(', ');
  throw new CloudAccessError(
    'ACCESS_DENIED',
    `${who} may not call ${missing.length === 1 ? 'this action' : 'these actions'}: ${list}. ${fix}`,
    missing[0]?.action,
  );
}

/** Which account row a connection of `awsAccountId` fills, and the conditions that keep the choice true. */
type Plan =
  | { kind: 'reconnect'; account: CloudAccount }
  | { kind: 'placeholder'; account: CloudAccount }
  | { kind: 'new'; accountId: string };

async function planTarget(orgId: string, awsAccountId: string): Promise<Plan> {
  const claim = await getItem(awsAccountClaimEntity, awsAccountClaimKey(awsAccountId), true);
  if (claim && claim.orgId !== orgId) throw claimedElsewhere();
  if (claim) {
    const account = await getItem(cloudAccountEntity, cloudAccountKey(orgId, claim.accountId), true);
    if (account) return { kind: 'reconnect', account };
  }
  const accounts = await queryAll(cloudAccountEntity, accountsOfOrgQuery(orgId));
  const placeholder = accounts
    .filter((a) => a.awsAccountId === null)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt))[0];
  if (placeholder) return { kind: 'placeholder', account: placeholder };
  return { kind: 'new', accountId: randomUUID() };
}

const defaultName = (awsAccountId: string) => `AWS account ${awsAccountId.slice(0, 4)}`;

const maxAttempts = 8;

/**
 * Connects an AWS account (role + External ID, or access keys) to the caller's organization.
 *
 * 1. Role: the External ID must be one role setup issued to this organization for this account id.
 * 2. `identify` proves the credentials (STS) and tells the real account id; an entered id must match.
 * 3. Only now, with access proven, is a claim by another organization reported (409, naming no one).
 * 4. Every read action must be allowed (`checkPermissions`); the error names the missing ones.
 * 5. ONE transaction: the claim (conditional: free, or already ours for this row), the account row
 *    (the sign-up placeholder if there is one, the row already holding this id on a reconnect, else a
 *    new row), the encrypted secret (access keys) or its removal (role), and the consumed role setup.
 *    A lost race re-plans from fresh reads, so of concurrent claims exactly one wins.
 * 6. Discovery starts at once; the account is `scanning`. (The periodic schedule
 *    `discovery-<accountId>` is armed by the discovery workflow when a run completes.)
 */
export async function connectAccount(orgId: string, input: ConnectInput, now: Date) {
  const credentials: CloudTarget['credentials'] =
    input.method === 'role'
      ? { kind: 'role', roleArn: input.roleArn, externalId: input.externalId }
      : { kind: 'access-key', accessKeyId: input.accessKeyId, secretAccessKey: input.secretAccessKey };
  const target: CloudTarget = { credentials, region: input.region };
  if (input.method === 'role') await checkRoleSetup(orgId, input, now);

  const identity = await port('cloud').identify(target);
  if (input.awsAccountId && identity.awsAccountId !== input.awsAccountId) {
    throw accountMismatch(input.awsAccountId, identity.awsAccountId);
  }
  const awsAccountId = identity.awsAccountId;
  const claim = await getItem(awsAccountClaimEntity, awsAccountClaimKey(awsAccountId), true);
  if (claim && claim.orgId !== orgId) throw claimedElsewhere();
  await checkReadPermissions(target, input.method);

  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const plan = await planTarget(orgId, awsAccountId);
    const accountId = plan.kind === 'new' ? plan.accountId : plan.account.accountId;
    const previous = plan.kind === 'new' ? null : plan.account;
    const nowIso = now.toISOString();
    const account: CloudAccount = {
      orgId,
      accountId,
      name: input.name ?? (plan.kind === 'reconnect' ? plan.account.name : defaultName(awsAccountId)),
      awsAccountId,
      region: input.region,
      method: input.method,
      status: 'scanning',
      statusReason: null,
      roleArn: input.method === 'role' ? input.roleArn : null,
      externalId: input.method === 'role' ? input.externalId : null,
      createdAt: previous?.createdAt ?? nowIso,
      updatedAt: nowIso,
      lastDiscoveryAt: previous?.lastDiscoveryAt ?? null,
      lastExecutionArn: previous?.lastExecutionArn ?? null,
    };
    const items: TransactItem[] = [
      transactPut(
        awsAccountClaimEntity,
        { awsAccountId, orgId, accountId, claimedAt: nowIso },
        plan.kind === 'reconnect'
          ? where.and(where.eq('orgId', orgId), where.eq('accountId', accountId))
          : where.itemNotExists(),
      ),
      transactPut(
        cloudAccountEntity,
        account,
        plan.kind === 'new'
          ? where.itemNotExists()
          : plan.kind === 'placeholder'
            ? // Still the placeholder: a concurrent connection of another AWS id may have filled it.
              where.and(where.itemExists(), where.isNull('awsAccountId'))
            : where.and(where.itemExists(), where.eq('awsAccountId', awsAccountId)),
      ),
    ];
    if (input.method === 'access-key') {
      // Sealed for this row: the AAD binds the ciphertext to the organization and account.
      const sealed = await sealSecret(input.secretAccessKey, port('keyService'), `${orgId}/${accountId}`);
      items.push(
        transactPut(accountSecretEntity, {
          orgId,
          accountId,
          accessKeyId: input.accessKeyId,
          ...sealed,
          createdAt: nowIso,
        }),
      );
    } else {
      // A role connection keeps no credential: a key stored by an earlier access-key connection goes.
      if (plan.kind !== 'new') {
        items.push(transactDelete(accountSecretKey(orgId, accountId)));
      }
      // Each External ID connects once: of two concurrent Verify clicks one goes through.
      items.push(transactDelete(roleSetupKey(orgId, input.externalId), where.itemExists()));
    }
    try {
      await transactWrite(items);
    } catch (error) {
      const codes = cancellationReasons(error);
      if (!codes) throw error;
      if (input.method === 'role' && codes.at(-1) === 'ConditionalCheckFailed') throw roleSetupInvalid();
      // A claim or row condition failed, or a concurrent transaction touched the same items: re-plan.
      await new Promise((r) => setTimeout(r, 10 + Math.random() * 40 * attempt));
      continue;
    }

    const started = await startDiscovery(account, now);
    return {
      account: toAccountView(started),
      created: plan.kind === 'new',
      before: previous ? auditViewOf(previous) : null,
      after: {
        ...auditViewOf(started),
        ...(input.method === 'role'
          ? { roleName: input.roleArn.split('/').pop() }
          : { accessKeyId: maskAccessKeyId(input.accessKeyId) }),
      },
    };
  }
  throw new ConflictError(
    'CONNECT_BUSY',
    'Another connection of this AWS account is being made right now. Try again in a moment.',
  );
}

/** `AKIA…MPLE`: the last four characters identify the key in IAM; the rest is not needed. */
export const maskAccessKeyId = (accessKeyId: string) => `${accessKeyId.slice(0, 4)}…${accessKeyId.slice(-4)}`;

// ---------------------------------------------------------------------------------------------------
// For discovery: the credentials of a connected account

/**
 * Where the discovery workflow's calls go for an account: its role + External ID, or its access keys
 * with the secret opened from the envelope. The plaintext lives only in the returned object.
 */
export async function cloudTargetOf(orgId: string, accountId: string): Promise<CloudTarget> {
  const account = await loadAccount(orgId, accountId);
  if (!account.awsAccountId || !account.region || !account.method) {
    throw new NotFoundError('A connected AWS account');
  }
  if (account.method === 'role') {
    if (!account.roleArn || !account.externalId) throw new NotFoundError('The role of this account');
    return {
      region: account.region,
      credentials: { kind: 'role', roleArn: account.roleArn, externalId: account.externalId },
    };
  }
  const secret = await getItem(accountSecretEntity, accountSecretKey(orgId, accountId), true);
  if (!secret) throw new NotFoundError('The access key of this account');
  const secretAccessKey = await openSecret(secret, port('keyService'), `${orgId}/${accountId}`);
  return {
    region: account.region,
    credentials: { kind: 'access-key', accessKeyId: secret.accessKeyId, secretAccessKey },
  };
}

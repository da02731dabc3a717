import { createHash, randomBytes } from 'node:crypto';
import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import { CloudAccessError } from '@spot/shared';
import type { CloudCredentials } from '../cloud';
import { BoundedCache } from './cloud-clients';
import { awsErrorCode, isAccessDenied, safeCause, toDomainError } from './cloud-errors';
import type { Retrier } from './cloud-retry';

type RoleCredentials = Extract<CloudCredentials, { kind: 'role' }>;

/** Temporary credentials of an assumed role. */
export interface TemporaryCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

/** Temporary credentials are used until this long before they expire, then the role is assumed again. */
export const refreshBeforeExpiryMs = 5 * 60_000;

const assumeRoleAction = 'sts:AssumeRole';

/**
 * A stable key for a set of customer credentials that holds no secret: the role ARN and External ID, or
 * the access key id with a hash of its secret (so a rotated secret gets fresh clients).
 */
export function credentialIdentity(credentials: CloudCredentials): string {
  if (credentials.kind === 'role') return `role\n${credentials.roleArn}\n${credentials.externalId}`;
  const secretHash = createHash('sha256').update(credentials.secretAccessKey).digest('hex').slice(0, 16);
  return `key\n${credentials.accessKeyId}\n${secretHash}`;
}

/**
 * Assumes customer roles through the platform's STS client and caches the temporary credentials per
 * (role ARN, External ID) until five minutes before they expire. Nothing is persisted: the credentials
 * live in this Lambda's memory only, and concurrent callers share one AssumeRole call.
 */
export class RoleCredentialCache {
  private readonly cache = new BoundedCache<string, TemporaryCredentials>(256);
  private readonly inFlight = new Map<string, Promise<TemporaryCredentials>>();

  constructor(
    private readonly sts: STSClient,
    private readonly clock: { now(): Date },
    private readonly retrier: Retrier,
    private readonly sessionDurationSeconds: number,
  ) {}

  /** Cached credentials if still fresh, otherwise a new AssumeRole. `fresh` forces AssumeRole (verify). */
  async resolve(role: RoleCredentials, options: { fresh?: boolean } = {}): Promise<TemporaryCredentials> {
    const key = credentialIdentity(role);
    const cached = this.cache.get(key);
    if (!options.fresh && cached && this.isFresh(cached.expiration)) return cached;
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    const assuming = this.assume(role).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, assuming);
    const credentials = await assuming;
    this.cache.set(key, credentials);
    return credentials;
  }

  /** Forgets the role's credentials, e.g. after AWS called them expired. */
  invalidate(role: RoleCredentials): void {
    this.cache.delete(credentialIdentity(role));
  }

  /** Secrets of the cached credentials of a role, for redaction. */
  secretsOf(role: RoleCredentials): string[] {
    const cached = this.cache.get(credentialIdentity(role));
    return cached ? [cached.secretAccessKey, cached.sessionToken] : [];
  }

  private isFresh(expiration: Date): boolean {
    return expiration.getTime() - this.clock.now().getTime() > refreshBeforeExpiryMs;
  }

  private async assume(role: RoleCredentials): Promise<TemporaryCredentials> {
    try {
      const out = await this.retrier.run(() =>
        this.sts.send(
          new AssumeRoleCommand({
            RoleArn: role.roleArn,
            ExternalId: role.externalId,
            RoleSessionName: `spot-optimizer-${randomBytes(4).toString('hex')}`,
            DurationSeconds: this.sessionDurationSeconds,
          }),
        ),
      );
      const issued = out.Credentials;
      if (!issued?.AccessKeyId || !issued.SecretAccessKey || !issued.SessionToken || !issued.Expiration) {
        throw new CloudAccessError(
          'UNREACHABLE',
          `STS returned no credentials for ${role.roleArn}. Verify the connection again in a few minutes.`,
          assumeRoleAction,
        );
      }
      return {
        accessKeyId: issued.AccessKeyId,
        secretAccessKey: issued.SecretAccessKey,
        sessionToken: issued.SessionToken,
        expiration: issued.Expiration,
      };
    } catch (error) {
      throw assumeRoleError(error, role);
    }
  }
}

/**
 * STS answers AccessDenied both when the trust policy does not name the platform and when the External
 * ID differs: the two cannot be told apart, so the message names both.
 */
function assumeRoleError(error: unknown, role: RoleCredentials): Error {
  if (error instanceof CloudAccessError) return error;
  const context = { action: assumeRoleAction, region: 'global', credentials: role };
  if (isAccessDenied(error)) {
    return new CloudAccessError(
      'TRUST_POLICY',
      `Spot Optimizer could not assume ${role.roleArn}: the role's trust policy or External ID does not allow the Spot Optimizer platform. Check that the role exists, that its External ID matches the one shown in Spot Optimizer, and that the stack was deployed from our template (cfn-templates/) without changes to the trust policy.`,
      assumeRoleAction,
      { cause: safeCause(error, context) },
    );
  }
  if (awsErrorCode(error) === 'RegionDisabledException') {
    return new CloudAccessError(
      'REGION_DISABLED',
      'STS is not activated in the platform region, so the role cannot be assumed. This is a platform problem: contact support.',
      assumeRoleAction,
      { cause: safeCause(error, context) },
    );
  }
  return toDomainError(error, context);
}

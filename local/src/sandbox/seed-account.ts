/**
 * A sandbox account connected with access keys, written straight to the table as Cloud Connect leaves
 * it (`scanning`, the secret sealed with AAD `<orgId>/<accountId>`): for the tests and benchmarks that
 * discover the sandbox without going through the connect route.
 */
import { randomUUID } from 'node:crypto';
import { accountSecretEntity } from '@spot/functions/data/entities/account-secret';
import { cloudAccountEntity } from '@spot/functions/data/entities/cloud-account';
import { putItem } from '@spot/functions/data/repository';
import { sealSecret } from '@spot/functions/domain/envelope';
import type { KeyServicePort } from '@spot/functions/ports/types';

export interface SandboxAccountKeys {
  awsAccountId: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export async function seedSandboxAccount(
  orgId: string,
  keys: SandboxAccountKeys,
  keyService: KeyServicePort,
  name = `sandbox ${keys.awsAccountId}`,
): Promise<{ accountId: string; awsAccountId: string; region: string }> {
  const accountId = randomUUID();
  const now = new Date().toISOString();
  await putItem(cloudAccountEntity, {
    orgId,
    accountId,
    name,
    awsAccountId: keys.awsAccountId,
    region: keys.region,
    method: 'access-key',
    status: 'scanning',
    statusReason: null,
    roleArn: null,
    externalId: null,
    createdAt: now,
    updatedAt: now,
    lastDiscoveryAt: null,
    lastExecutionArn: null,
  });
  const sealed = await sealSecret(keys.secretAccessKey, keyService, `${orgId}/${accountId}`);
  await putItem(accountSecretEntity, {
    orgId,
    accountId,
    accessKeyId: keys.accessKeyId,
    ...sealed,
    createdAt: now,
  });
  return { accountId, awsAccountId: keys.awsAccountId, region: keys.region };
}

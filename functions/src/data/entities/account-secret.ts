import { z } from 'zod';
import { defineEntity } from '../entity';
import { orgItemKey } from './organization';

/**
 * The envelope-encrypted secret access key of an access-key connection (AES-256-GCM under a data key
 * that the key service wrapped). Its own item, never read by any listing, never returned by the API.
 */
export const accountSecretEntity = defineEntity(
  'AccountSecret',
  z.object({
    orgId: z.string(),
    accountId: z.string(),
    accessKeyId: z.string(),
    ciphertextB64: z.string(),
    ivB64: z.string(),
    authTagB64: z.string(),
    encryptedDataKeyB64: z.string(),
    keyId: z.string(),
    createdAt: z.string(),
  }),
  (s) => accountSecretKey(s.orgId, s.accountId),
);
export const accountSecretKey = orgItemKey('SECRET');

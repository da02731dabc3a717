import { DecryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { requiredEnv } from '../../lib/env';
import type { KeyServicePort } from '../types';

/** KMS data keys (AES-256) under the product's key; the key id is stored with each secret for rotation. */
export class KmsKeyService implements KeyServicePort {
  constructor(private readonly client = new KMSClient({})) {}

  async generateDataKey() {
    const out = await this.client.send(
      new GenerateDataKeyCommand({ KeyId: requiredEnv('KMS_KEY_ID'), KeySpec: 'AES_256' }),
    );
    if (!out.Plaintext || !out.CiphertextBlob || !out.KeyId)
      throw new Error('GenerateDataKey returned no key');
    return { plaintextKey: out.Plaintext, encryptedKey: out.CiphertextBlob, keyId: out.KeyId };
  }

  async decryptDataKey(encryptedKey: Uint8Array, keyId: string) {
    const out = await this.client.send(new DecryptCommand({ CiphertextBlob: encryptedKey, KeyId: keyId }));
    if (!out.Plaintext) throw new Error('Decrypt returned no key');
    return out.Plaintext;
  }
}

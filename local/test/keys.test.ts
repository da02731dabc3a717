import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalKeyService, loadOrCreateMasterKey } from '../src/keys';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'spot-keys-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('LocalKeyService', () => {
  it('creates a 256-bit master key readable only by its owner, and reuses it', () => {
    const file = join(dir, 'nested', 'master.key');
    const key = loadOrCreateMasterKey(file);
    expect(key).toHaveLength(32);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadOrCreateMasterKey(file).equals(key)).toBe(true);
  });

  it('names the key by a SHA-256 prefix of the master key', () => {
    const file = join(dir, 'master.key');
    const service = LocalKeyService.fromFile(file);
    const expected = createHash('sha256').update(loadOrCreateMasterKey(file)).digest('hex').slice(0, 16);
    expect(service.keyId).toBe(`local:${expected}`);
    expect(LocalKeyService.fromFile(file).keyId).toBe(service.keyId);
  });

  it('round-trips data keys: iv | tag | ciphertext, 60 bytes', async () => {
    const service = LocalKeyService.fromFile(join(dir, 'master.key'));
    const { plaintextKey, encryptedKey, keyId } = await service.generateDataKey();
    expect(plaintextKey).toHaveLength(32);
    expect(encryptedKey).toHaveLength(12 + 16 + 32);
    expect(keyId).toBe(service.keyId);
    expect(Buffer.from(encryptedKey).includes(Buffer.from(plaintextKey))).toBe(false);
    const again = LocalKeyService.fromFile(join(dir, 'master.key'));
    expect(
      Buffer.from(await again.decryptDataKey(encryptedKey, keyId)).equals(Buffer.from(plaintextKey)),
    ).toBe(true);
  });

  it('makes a different key every time', async () => {
    const service = LocalKeyService.fromFile(join(dir, 'master.key'));
    const a = await service.generateDataKey();
    const b = await service.generateDataKey();
    expect(Buffer.from(a.plaintextKey).equals(Buffer.from(b.plaintextKey))).toBe(false);
    expect(
      Buffer.from(a.encryptedKey.subarray(0, 12)).equals(Buffer.from(b.encryptedKey.subarray(0, 12))),
    ).toBe(false);
  });

  it('refuses any tampered byte, a wrong key id and another master key', async () => {
    const service = LocalKeyService.fromFile(join(dir, 'master.key'));
    const { encryptedKey, keyId } = await service.generateDataKey();
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: encryptedKey.length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        async (i, x) => {
          const tampered = new Uint8Array(encryptedKey);
          tampered[i] = (tampered[i] as number) ^ x;
          await expect(service.decryptDataKey(tampered, keyId)).rejects.toMatchObject({
            code: 'ENCRYPTED_KEY_INVALID',
          });
        },
      ),
      { numRuns: 60 },
    );
    await expect(service.decryptDataKey(encryptedKey, 'local:0000000000000000')).rejects.toMatchObject({
      code: 'KEY_ID_MISMATCH',
    });
    await expect(service.decryptDataKey(encryptedKey.subarray(1), keyId)).rejects.toMatchObject({
      code: 'ENCRYPTED_KEY_INVALID',
    });
    const other = LocalKeyService.fromFile(join(dir, 'other.key'));
    await expect(other.decryptDataKey(encryptedKey, keyId)).rejects.toMatchObject({
      code: 'KEY_ID_MISMATCH',
    });
  });

  it('refuses a master key file of the wrong size instead of replacing it', () => {
    const file = join(dir, 'master.key');
    writeFileSync(file, 'too short');
    expect(() => LocalKeyService.fromFile(file)).toThrow('not a 32-byte key');
  });
});

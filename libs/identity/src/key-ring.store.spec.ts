import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompactSign, compactVerify, importJWK } from 'jose';
import { IdentityErrorCode } from './identity.exception';
import { KeyRingStore } from './key-ring.store';

async function tempFile(): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), 'regulink-keys-')), 'node-keys.json');
}

describe('KeyRingStore', () => {
  it('creates a key on first open and returns the same key on the next', async () => {
    const path = await tempFile();
    const first = await new KeyRingStore(path, 'correct horse battery').open();
    const second = await new KeyRingStore(path, 'correct horse battery').open();
    expect(first.created).toBe(true);
    expect(second.created).toBe(false);
    expect(second.activeKid).toBe(first.activeKid);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('keeps the private key only in encrypted form on disk', async () => {
    const path = await tempFile();
    await new KeyRingStore(path, 'correct horse battery').open();
    const text = await readFile(path, 'utf8');
    expect(text).not.toMatch(/"d"\s*:/);
    const stored = JSON.parse(text) as { keys: { privateJwe: string }[] };
    expect(stored.keys[0]!.privateJwe.split('.')).toHaveLength(5);
  });

  it('refuses a wrong passphrase with a typed error', async () => {
    const path = await tempFile();
    await new KeyRingStore(path, 'correct horse battery').open();
    await expect(new KeyRingStore(path, 'wrong passphrase!!').open()).rejects.toMatchObject({
      code: IdentityErrorCode.WrongPassphrase,
    });
  });

  it('rotation signs with a new key and keeps the old public key for verifying old signatures', async () => {
    const path = await tempFile();
    const store = new KeyRingStore(path, 'correct horse battery');
    const before = await store.open();
    const oldSignature = await new CompactSign(new TextEncoder().encode('evidence'))
      .setProtectedHeader({ alg: 'EdDSA', kid: before.activeKid })
      .sign(before.active.privateKey);

    const { ring: after, retiredKid } = await store.rotate();
    expect(retiredKid).toBe(before.activeKid);
    expect(after.activeKid).not.toBe(before.activeKid);
    expect(after.publicKeys.map((k) => k.kid)).toEqual([after.activeKid, before.activeKid]);

    const reopened = await new KeyRingStore(path, 'correct horse battery').open();
    expect(reopened.activeKid).toBe(after.activeKid);
    // A store opened before the rotation (another replica's) reads it from the file.
    expect((await new KeyRingStore(path, 'correct horse battery').reopen())?.activeKid).toBe(after.activeKid);
    const oldKey = reopened.publicKeys.find((k) => k.kid === before.activeKid)!;
    const { payload } = await compactVerify(oldSignature, await importJWK(oldKey, 'EdDSA'));
    expect(new TextDecoder().decode(payload)).toBe('evidence');
  });
});

// Encrypts small secrets (device passwords, keys) for storage in the database with AES-256-GCM
// under the master key; the stored form names the key id so keys can rotate.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { NetkeepError } from '../errors.ts';
import type { Keyring } from './masterkey.ts';
import { registerSecret } from '../logging/redact.ts';

const PREFIX = 'v1';

/** "v1:<key id>:<iv>:<tag>:<ciphertext>", base64 parts. */
export function encryptSecret(keyring: Keyring, plaintext: string): string {
  registerSecret(plaintext);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyring.current.key, iv);
  cipher.setAAD(Buffer.from(`${PREFIX}:${keyring.current.id}`));
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [PREFIX, keyring.current.id, iv.toString('base64'), tag.toString('base64'), ct.toString('base64')].join(':');
}

export function decryptSecret(keyring: Keyring, stored: string): string {
  const parts = stored.split(':');
  if (parts.length !== 5 || parts[0] !== PREFIX) {
    throw new NetkeepError('config_error', 'a stored secret is not in a format this netkeep understands; set the credential again');
  }
  const [, id, iv, tag, ct] = parts as [string, string, string, string, string];
  const mk = keyring.get(id);
  if (!mk) {
    throw new NetkeepError(
      'config_error',
      `a stored secret was encrypted with master key ${id}, which this netkeep does not have (current key ${keyring.current.id} from ${keyring.source}); ` +
        'start netkeep with the right NETKEEP_MASTER_KEY or key file, or set the credential again',
    );
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', mk.key, Buffer.from(iv, 'base64'));
    decipher.setAAD(Buffer.from(`${PREFIX}:${id}`));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    const plain = Buffer.concat([decipher.update(Buffer.from(ct, 'base64')), decipher.final()]).toString('utf8');
    registerSecret(plain); // never logged from here on (src/logging/redact.ts)
    return plain;
  } catch (err) {
    throw new NetkeepError('config_error', `a stored secret failed its integrity check under key ${id}; it was altered or the key is wrong. Set the credential again`, undefined, { cause: err });
  }
}

/** Re-encrypt under the current key when stored under an older one; returns undefined if already current. */
export function rewrapSecret(keyring: Keyring, stored: string): string | undefined {
  const id = stored.split(':')[1];
  if (id === keyring.current.id) return undefined;
  return encryptSecret(keyring, decryptSecret(keyring, stored));
}

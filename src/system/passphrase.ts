// Encrypts the master keys put into a system-backup archive with a passphrase: scrypt derives a
// 256-bit key, AES-256-GCM encrypts and authenticates (a wrong passphrase fails, never garbage).
import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import { InputError } from '../errors.ts';

export interface SealedBox {
  format: 'netkeep-sealed-v1';
  kdf: 'scrypt';
  n: number;
  r: number;
  p: number;
  salt: string;
  iv: string;
  tag: string;
  ciphertext: string;
}

export const MIN_PASSPHRASE = 12;
const N = 1 << 17;
const R = 8;
const P = 1;

function derive(passphrase: string, salt: Buffer, n: number, r: number, p: number): Buffer {
  return scryptSync(passphrase.normalize('NFC'), salt, 32, { N: n, r, p, maxmem: 256 * n * r + 1024 * 1024 });
}

export function checkPassphrase(passphrase: string): void {
  if (passphrase.length < MIN_PASSPHRASE) {
    throw new InputError('weak_passphrase', `the passphrase has ${passphrase.length} characters; use at least ${MIN_PASSPHRASE} (a few random words are easy to keep)`, 400);
  }
}

export function seal(plain: Buffer, passphrase: string): SealedBox {
  checkPassphrase(passphrase);
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const key = derive(passphrase, salt, N, R, P);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(Buffer.from('netkeep-sealed-v1'));
  const ct = Buffer.concat([c.update(plain), c.final()]);
  return {
    format: 'netkeep-sealed-v1', kdf: 'scrypt', n: N, r: R, p: P,
    salt: salt.toString('base64'), iv: iv.toString('base64'), tag: c.getAuthTag().toString('base64'), ciphertext: ct.toString('base64'),
  };
}

export function open(box: SealedBox, passphrase: string): Buffer {
  if (box?.format !== 'netkeep-sealed-v1' || box.kdf !== 'scrypt' || !(box.n > 1 && box.n <= 1 << 20 && box.r >= 1 && box.r <= 32 && box.p >= 1 && box.p <= 16)) {
    throw new InputError('archive_damaged', 'the encrypted master key in the archive is not in a form this netkeep reads; the archive is damaged or from a newer netkeep', 400);
  }
  const key = derive(passphrase, Buffer.from(box.salt, 'base64'), box.n, box.r, box.p);
  const d = createDecipheriv('aes-256-gcm', key, Buffer.from(box.iv, 'base64'));
  d.setAAD(Buffer.from('netkeep-sealed-v1'));
  d.setAuthTag(Buffer.from(box.tag, 'base64'));
  try {
    return Buffer.concat([d.update(Buffer.from(box.ciphertext, 'base64')), d.final()]);
  } catch {
    throw new InputError(
      'wrong_passphrase',
      'the passphrase does not open the master key in this archive (wrong passphrase, or that part of the archive is damaged); nothing was restored — try again with the passphrase used for system-backup',
      400,
    );
  }
}

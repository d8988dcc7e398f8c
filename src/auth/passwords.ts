// Password hashing (argon2id) and the password policy for netkeep's own users.
import { hash, verify } from '@node-rs/argon2';
import { InputError } from '../errors.ts';

// OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane. Algorithm 2 = Argon2id (a const enum upstream).
const OPTIONS = { algorithm: 2 as never, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 1024;

export async function hashPassword(pw: string): Promise<string> {
  return hash(pw, OPTIONS);
}

/** False for a wrong password and for a hash this netkeep cannot read (never throws on bad input). */
export async function verifyPassword(hashed: string, pw: string): Promise<boolean> {
  try {
    return await verify(hashed, pw);
  } catch {
    return false;
  }
}

const COMMON = new Set([
  'password', 'password1', 'password123', 'passw0rd', 'qwerty', 'qwertyuiop', 'letmein', 'welcome', 'admin', 'administrator',
  'changeme', 'iloveyou', 'monkey', 'dragon', 'football', 'baseball', 'sunshine', 'princess', 'abc123', 'trustno1',
  'netkeep', 'cisco', 'juniper', 'secret', 'default', 'root', 'toor', 'master',
]);

/** Throws InputError('weak_password') unless the password is at least 10 characters and not obviously weak. */
export function validatePassword(pw: string, opts: { username?: string } = {}): void {
  const weak = (why: string) =>
    new InputError('weak_password', `the password ${why}; choose a passphrase of at least ${MIN_PASSWORD_LENGTH} characters, e.g. several unrelated words`, 400);
  if (typeof pw !== 'string' || pw.length < MIN_PASSWORD_LENGTH) throw weak(`is shorter than ${MIN_PASSWORD_LENGTH} characters`);
  if (pw.length > MAX_PASSWORD_LENGTH) {
    throw new InputError('weak_password', `the password is longer than ${MAX_PASSWORD_LENGTH} characters; choose a shorter one`, 400);
  }
  const lower = pw.toLowerCase();
  if (new Set(lower).size < 4) throw weak('uses fewer than 4 different characters');
  const stripped = lower.replace(/[^a-z]/g, '');
  if (COMMON.has(lower) || (stripped.length >= lower.length - 4 && COMMON.has(stripped))) throw weak('is a commonly used password');
  if (/^(?:0123456789|1234567890|9876543210|abcdefghij|qwertyuiop|asdfghjkl)/.test(lower) && new Set(lower).size <= 10) {
    throw weak('is a keyboard or number sequence');
  }
  if (opts.username && lower.includes(opts.username.toLowerCase()) && opts.username.length >= 3) throw weak('contains the username');
}

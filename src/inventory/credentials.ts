// Credential profiles: a username and encrypted secrets, shared by many devices. Secrets are
// write-only: views say only whether each one is set; the backup engine gets them decrypted.
import type { Db } from '../db/index.ts';
import type { CredentialProfile } from '../db/schema.ts';
import { InputError } from '../errors.ts';
import { decryptSecret, encryptSecret } from '../security/secrets.ts';
import type { Keyring } from '../security/masterkey.ts';
import type { Credentials } from '../transports/types.ts';
import { isUniqueViolation, isUuid, likePattern, page } from './common.ts';
import { validateObjectName } from './groups.ts';

export interface CredentialProfileView {
  id: string;
  name: string;
  description: string;
  username: string | null;
  has_password: boolean;
  has_enable_password: boolean;
  has_private_key: boolean;
  has_passphrase: boolean;
  device_count: number;
  created_at: Date;
  updated_at: Date;
}

export interface CredentialProfileInput {
  name: string;
  description?: string;
  username?: string | null;
  /** A string sets the secret, null clears it, undefined leaves it as it is. */
  password?: string | null;
  enable_password?: string | null;
  private_key?: string | null;
  passphrase?: string | null;
}

export interface ResolvedCredentials {
  username: string | null;
  password: string | null;
  enablePassword: string | null;
  privateKey: string | null;
  passphrase: string | null;
}

/** The credentials as a transport takes them: absent fields left out rather than null. */
export function transportCredentials(c: ResolvedCredentials): Credentials {
  return {
    ...(c.username !== null ? { username: c.username } : {}),
    ...(c.password !== null ? { password: c.password } : {}),
    ...(c.enablePassword !== null ? { enablePassword: c.enablePassword } : {}),
    ...(c.privateKey !== null ? { privateKey: c.privateKey } : {}),
    ...(c.passphrase !== null ? { passphrase: c.passphrase } : {}),
  };
}

const SECRETS = [
  ['password', 'password_enc'],
  ['enable_password', 'enable_password_enc'],
  ['private_key', 'private_key_enc'],
  ['passphrase', 'passphrase_enc'],
] as const;

function profileQuery(db: Db) {
  return db
    .selectFrom('credential_profiles as p')
    .selectAll('p')
    .select((eb) =>
      eb.selectFrom('devices').select((e) => e.fn.countAll<number>().as('n')).whereRef('devices.credential_profile_id', '=', 'p.id').as('device_count'),
    );
}

function view(r: CredentialProfile & { device_count: number | string | null }): CredentialProfileView {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    username: r.username,
    has_password: r.password_enc !== null,
    has_enable_password: r.enable_password_enc !== null,
    has_private_key: r.private_key_enc !== null,
    has_passphrase: r.passphrase_enc !== null,
    device_count: Number(r.device_count ?? 0),
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}

function validateUsername(u: unknown): string | null {
  if (u === null || u === undefined || u === '') return null;
  if (typeof u !== 'string' || u.length > 255 || /[\x00-\x1f\x7f]/.test(u)) {
    throw new InputError('invalid_credential_username', 'the device login username is up to 255 characters without control characters; fix it', 400);
  }
  return u;
}

function validateSecret(name: string, v: unknown): string | null {
  if (v === null || v === '') return null;
  if (typeof v !== 'string') throw new InputError('invalid_secret', `${name} must be a string (or null to clear it)`, 400);
  if (v.length > 16_384) throw new InputError('invalid_secret', `${name} is longer than 16 KiB; check that you pasted the right thing`, 400);
  return v;
}

function nameTaken(name: string): InputError {
  return new InputError('credential_profile_name_taken', `a credential profile named "${name}" already exists; choose another name`, 409);
}

async function findRow(db: Db, idOrName: string) {
  if (isUuid(idOrName)) {
    const r = await profileQuery(db).where('p.id', '=', idOrName).executeTakeFirst();
    if (r) return r;
  }
  return profileQuery(db).where('p.name', '=', idOrName.trim()).executeTakeFirst();
}

export async function findCredentialProfile(db: Db, idOrName: string): Promise<CredentialProfileView | undefined> {
  const r = await findRow(db, idOrName);
  return r ? view(r) : undefined;
}

export async function getCredentialProfile(db: Db, idOrName: string): Promise<CredentialProfileView> {
  const p = await findCredentialProfile(db, idOrName);
  if (!p) {
    throw new InputError('credential_profile_not_found', `no credential profile with id or name "${idOrName}"; list the credential profiles to find the right one`, 404);
  }
  return p;
}

export async function createCredentialProfile(db: Db, keyring: Keyring, input: CredentialProfileInput): Promise<CredentialProfileView> {
  const name = validateObjectName('credential profile', input.name);
  const values = {
    name,
    description: input.description ?? '',
    username: validateUsername(input.username),
    password_enc: null as string | null,
    enable_password_enc: null as string | null,
    private_key_enc: null as string | null,
    passphrase_enc: null as string | null,
    updated_at: new Date(),
  };
  for (const [field, col] of SECRETS) {
    const v = validateSecret(field, input[field] ?? null);
    values[col] = v === null ? null : encryptSecret(keyring, v);
  }
  if (await findRow(db, name)) throw nameTaken(name);
  try {
    const r = await db.insertInto('credential_profiles').values(values).returning('id').executeTakeFirstOrThrow();
    return getCredentialProfile(db, r.id);
  } catch (err) {
    if (isUniqueViolation(err)) throw nameTaken(name);
    throw err;
  }
}

export async function listCredentialProfiles(
  db: Db,
  opts: { limit?: number; offset?: number; q?: string } = {},
): Promise<{ items: CredentialProfileView[]; total: number }> {
  const { limit, offset } = page(opts);
  let base = db.selectFrom('credential_profiles as p');
  if (opts.q) base = base.where('p.name', 'ilike', likePattern(opts.q));
  const [rows, count] = await Promise.all([
    profileQuery(db).where('p.id', 'in', base.select('p.id')).orderBy('p.name').limit(limit).offset(offset).execute(),
    base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { items: rows.map(view), total: Number(count.n) };
}

export async function updateCredentialProfile(
  db: Db,
  keyring: Keyring,
  idOrName: string,
  patch: Partial<CredentialProfileInput>,
): Promise<CredentialProfileView> {
  const p = await getCredentialProfile(db, idOrName);
  const set: Record<string, unknown> = {};
  if (patch.name !== undefined) {
    const name = validateObjectName('credential profile', patch.name);
    if (name !== p.name && (await findRow(db, name))) throw nameTaken(name);
    set.name = name;
  }
  if (patch.description !== undefined) set.description = patch.description;
  if (patch.username !== undefined) set.username = validateUsername(patch.username);
  for (const [field, col] of SECRETS) {
    const v = patch[field];
    if (v === undefined) continue;
    const s = validateSecret(field, v);
    set[col] = s === null ? null : encryptSecret(keyring, s);
  }
  if (Object.keys(set).length) {
    try {
      await db.updateTable('credential_profiles').set({ ...set, updated_at: new Date() }).where('id', '=', p.id).execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw nameTaken(String(set.name));
      throw err;
    }
  }
  return getCredentialProfile(db, p.id);
}

/** Refuses (409 credential_profile_in_use) while devices use the profile. */
export async function deleteCredentialProfile(db: Db, idOrName: string): Promise<CredentialProfileView> {
  const p = await getCredentialProfile(db, idOrName);
  const inUse = () =>
    new InputError(
      'credential_profile_in_use',
      `credential profile "${p.name}" is used by ${p.device_count || 'some'} device(s); give them another profile first, then delete it`,
      409,
    );
  if (p.device_count > 0) throw inUse();
  try {
    await db.deleteFrom('credential_profiles').where('id', '=', p.id).execute();
  } catch (err) {
    if ((err as { code?: string }).code === '23503') throw inUse();
    throw err;
  }
  return p;
}

/** The decrypted credentials of a profile, for the backup engine only. */
export async function resolveCredentials(db: Db, keyring: Keyring, profileId: string): Promise<ResolvedCredentials> {
  const r = isUuid(profileId) ? await db.selectFrom('credential_profiles').selectAll().where('id', '=', profileId).executeTakeFirst() : undefined;
  if (!r) {
    throw new InputError('credential_profile_not_found', `no credential profile with id "${profileId}"; give the device an existing credential profile`, 404);
  }
  const dec = (v: string | null) => (v === null ? null : decryptSecret(keyring, v));
  return {
    username: r.username,
    password: dec(r.password_enc),
    enablePassword: dec(r.enable_password_enc),
    privateKey: dec(r.private_key_enc),
    passphrase: dec(r.passphrase_enc),
  };
}

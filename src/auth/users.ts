// netkeep's own users: create, list, change, authenticate; the first admin on first start.
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../db/index.ts';
import { ROLES, type Role, type User } from '../db/schema.ts';
import { InputError } from '../errors.ts';
import { hashPassword, validatePassword, verifyPassword } from './passwords.ts';
import { inTx, isUniqueViolation, isUuid, page } from '../inventory/common.ts';

export type { User, Role } from '../db/schema.ts';

export interface UserView {
  id: string;
  username: string;
  role: Role;
  disabled: boolean;
  last_login_at: Date | null;
  password_changed_at: Date;
  created_at: Date;
  updated_at: Date;
}

const USERNAME_RE = /^[a-z0-9][a-z0-9._@-]{0,63}$/;

export function normalizeUsername(username: unknown): string {
  const u = typeof username === 'string' ? username.trim().toLowerCase() : '';
  if (!USERNAME_RE.test(u)) {
    throw new InputError(
      'invalid_username',
      'a username is 1–64 characters: letters, digits, ".", "_", "@" or "-", starting with a letter or digit; choose another one',
      400,
    );
  }
  return u;
}

export function validateRole(role: unknown): Role {
  if (!ROLES.includes(role as Role)) {
    throw new InputError('invalid_role', `unknown role "${String(role)}"; use one of ${ROLES.join(', ')}`, 400);
  }
  return role as Role;
}

export function toUserView(u: User): UserView {
  return {
    id: u.id,
    username: u.username,
    role: u.role,
    disabled: u.disabled,
    last_login_at: u.last_login_at,
    password_changed_at: u.password_changed_at,
    created_at: u.created_at,
    updated_at: u.updated_at,
  };
}

export async function createUser(db: Db, input: { username: string; password: string; role: Role | string }): Promise<User> {
  const username = normalizeUsername(input.username);
  const role = validateRole(input.role);
  validatePassword(input.password, { username });
  const existing = await db.selectFrom('users').select('id').where('username', '=', username).executeTakeFirst();
  if (existing) throw usernameTaken(username);
  const password_hash = await hashPassword(input.password);
  try {
    return await db
      .insertInto('users')
      .values({ username, password_hash, role, password_changed_at: new Date(), updated_at: new Date() })
      .returningAll()
      .executeTakeFirstOrThrow();
  } catch (err) {
    if (isUniqueViolation(err)) throw usernameTaken(username);
    throw err;
  }
}

function usernameTaken(username: string): InputError {
  return new InputError('username_taken', `a user named "${username}" already exists; choose another username or change that user instead`, 409);
}

export async function listUsers(db: Db, opts: { limit?: number; offset?: number } = {}): Promise<UserView[]> {
  const { limit, offset } = page({ limit: opts.limit ?? 1000, offset: opts.offset });
  const rows = await db.selectFrom('users').selectAll().orderBy('username').limit(limit).offset(offset).execute();
  return rows.map(toUserView);
}

export async function countUsers(db: Db): Promise<number> {
  const r = await db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}

/** The user with this id or username, or undefined. */
export async function findUser(db: Db, idOrUsername: string): Promise<User | undefined> {
  if (isUuid(idOrUsername)) {
    const byId = await db.selectFrom('users').selectAll().where('id', '=', idOrUsername).executeTakeFirst();
    if (byId) return byId;
  }
  return db.selectFrom('users').selectAll().where('username', '=', idOrUsername.trim().toLowerCase()).executeTakeFirst();
}

export async function getUser(db: Db, idOrUsername: string): Promise<User> {
  const u = await findUser(db, idOrUsername);
  if (!u) throw new InputError('user_not_found', `no user with id or username "${idOrUsername}"; list the users to find the right one`, 404);
  return u;
}

/** Set a user's password; ends the user's browser sessions (they log in again with the new one). */
export async function setPassword(db: Db, username: string, password: string): Promise<void> {
  const u = await getUser(db, username);
  validatePassword(password, { username: u.username });
  const password_hash = await hashPassword(password);
  await inTx(db, async (trx) => {
    await trx.updateTable('users').set({ password_hash, password_changed_at: new Date(), updated_at: new Date() }).where('id', '=', u.id).execute();
    await trx.deleteFrom('sessions').where('user_id', '=', u.id).execute();
  });
}

async function assertNotLastAdmin(db: Db, user: User, what: string): Promise<void> {
  if (user.role !== 'admin' || user.disabled) return;
  const r = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('role', '=', 'admin')
    .where('disabled', '=', false)
    .where('id', '<>', user.id)
    .executeTakeFirstOrThrow();
  if (Number(r.n) === 0) {
    throw new InputError('last_admin', `"${user.username}" is the last enabled admin and cannot be ${what}; make another user admin first`, 409);
  }
}

/** Change role, disabled flag and/or password. Disabling ends the user's sessions. */
export async function updateUser(db: Db, idOrUsername: string, patch: { role?: string; disabled?: boolean; password?: string }): Promise<User> {
  return inTx(db, async (trx) => {
    const u = await getUser(trx, idOrUsername);
    const set: Record<string, unknown> = {};
    if (patch.role !== undefined) {
      const role = validateRole(patch.role);
      if (role !== 'admin') await assertNotLastAdmin(trx, u, 'demoted');
      set.role = role;
    }
    if (patch.disabled !== undefined) {
      if (patch.disabled) await assertNotLastAdmin(trx, u, 'disabled');
      set.disabled = patch.disabled;
    }
    if (patch.password !== undefined) {
      validatePassword(patch.password, { username: u.username });
      set.password_hash = await hashPassword(patch.password);
      set.password_changed_at = new Date();
    }
    if (Object.keys(set).length === 0) return u;
    const updated = await trx
      .updateTable('users')
      .set({ ...set, updated_at: new Date() })
      .where('id', '=', u.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    if (patch.disabled || patch.password !== undefined) await trx.deleteFrom('sessions').where('user_id', '=', u.id).execute();
    return updated;
  });
}

export async function deleteUser(db: Db, idOrUsername: string): Promise<User> {
  return inTx(db, async (trx) => {
    const u = await getUser(trx, idOrUsername);
    await assertNotLastAdmin(trx, u, 'deleted');
    await trx.deleteFrom('users').where('id', '=', u.id).execute();
    return u;
  });
}

/**
 * First start: when there are no users, create `admin` with NETKEEP_ADMIN_PASSWORD or a generated
 * password. The generated password is returned so that the caller prints it once; it is stored only hashed.
 */
export async function ensureInitialAdmin(db: Db, env: NodeJS.ProcessEnv = process.env): Promise<{ created: boolean; username: string; password?: string }> {
  const username = normalizeUsername(env.NETKEEP_ADMIN_USER || 'admin');
  if ((await countUsers(db)) > 0) return { created: false, username };
  const given = env.NETKEEP_ADMIN_PASSWORD;
  if (given !== undefined && given !== '') {
    validatePassword(given, { username });
  }
  const password = given || randomBytes(18).toString('base64url');
  const password_hash = await hashPassword(password);
  // Serialize concurrent first starts (two processes against one PostgreSQL): only one creates the admin.
  const created = await inTx(db, async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(726158)`.execute(trx);
    const n = await trx.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    if (Number(n.n) > 0) return false;
    await trx.insertInto('users').values({ username, password_hash, role: 'admin', password_changed_at: new Date(), updated_at: new Date() }).execute();
    return true;
  });
  if (!created) return { created: false, username };
  return given ? { created: true, username } : { created: true, username, password };
}

/** The enabled user with this username and password, or null. Records the login time. */
export async function authenticate(db: Db, username: string, password: string): Promise<User | null> {
  const name = typeof username === 'string' ? username.trim().toLowerCase() : '';
  const u = USERNAME_RE.test(name) ? await db.selectFrom('users').selectAll().where('username', '=', name).executeTakeFirst() : undefined;
  if (!u) {
    // Spend the same time as a real check, so that response times do not reveal which usernames exist.
    await verifyPassword(DUMMY_HASH ??= await hashPassword(randomBytes(16).toString('hex')), String(password));
    return null;
  }
  const ok = await verifyPassword(u.password_hash, String(password));
  if (!ok || u.disabled) return null;
  const now = new Date();
  await db.updateTable('users').set({ last_login_at: now }).where('id', '=', u.id).execute();
  return { ...u, last_login_at: now };
}

let DUMMY_HASH: string | undefined;

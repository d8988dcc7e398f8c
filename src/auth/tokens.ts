// API tokens: "nk_<43 base64url chars>", shown once; only the SHA-256 is stored.
import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../db/index.ts';
import type { ApiToken, User } from '../db/schema.ts';
import { InputError } from '../errors.ts';
import { isUuid } from '../inventory/common.ts';
import { getUser } from './users.ts';

export const TOKEN_PREFIX = 'nk_';
const TOKEN_RE = /^nk_[A-Za-z0-9_-]{43}$/;

export function sha256Hex(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

export interface TokenView {
  id: string;
  user_id: string;
  username: string;
  name: string;
  prefix: string;
  expires_at: Date | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
  created_at: Date;
}

function validateName(name: unknown): string {
  const n = typeof name === 'string' ? name.trim() : '';
  if (n.length < 1 || n.length > 255) {
    throw new InputError('invalid_token_name', 'a token needs a name of 1–255 characters that says what uses it (e.g. "ci-export"); give one', 400);
  }
  return n;
}

export async function createToken(
  db: Db,
  input: { username: string; name: string; expiresAt?: Date | string | null },
): Promise<{ token: string; id: string; prefix: string }> {
  const user = await getUser(db, input.username);
  const name = validateName(input.name);
  let expires_at: Date | null = null;
  if (input.expiresAt !== undefined && input.expiresAt !== null) {
    expires_at = new Date(input.expiresAt);
    if (Number.isNaN(expires_at.getTime())) {
      throw new InputError('invalid_expiry', 'the token expiry is not a valid date; give an ISO 8601 time such as 2030-01-31T00:00:00Z', 400);
    }
    if (expires_at.getTime() <= Date.now()) {
      throw new InputError('invalid_expiry', 'the token expiry is in the past; give a time in the future, or none for a token that does not expire', 400);
    }
  }
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const prefix = token.slice(0, 11); // "nk_" + 8 characters: enough to tell tokens apart in lists and logs
  const row = await db
    .insertInto('api_tokens')
    .values({ user_id: user.id, name, token_hash: sha256Hex(token), prefix, expires_at })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { token, id: row.id, prefix };
}

function tokenQuery(db: Db) {
  return db
    .selectFrom('api_tokens')
    .innerJoin('users', 'users.id', 'api_tokens.user_id')
    .select([
      'api_tokens.id',
      'api_tokens.user_id',
      'users.username',
      'api_tokens.name',
      'api_tokens.prefix',
      'api_tokens.expires_at',
      'api_tokens.last_used_at',
      'api_tokens.revoked_at',
      'api_tokens.created_at',
    ]);
}

/** Tokens of one user (or of everyone when userId is undefined), newest first, revoked ones included. */
export async function listTokens(db: Db, userId?: string): Promise<TokenView[]> {
  let q = tokenQuery(db);
  if (userId !== undefined) {
    if (!isUuid(userId)) return [];
    q = q.where('api_tokens.user_id', '=', userId);
  }
  return q.orderBy('api_tokens.created_at', 'desc').orderBy('api_tokens.id').execute();
}

/** The token with this id or prefix ("nk_abcdefgh"); with opts.userId only among that user's tokens. */
export async function findToken(db: Db, idOrPrefix: string, opts: { userId?: string } = {}): Promise<TokenView | undefined> {
  let q = tokenQuery(db);
  if (isUuid(idOrPrefix)) q = q.where('api_tokens.id', '=', idOrPrefix);
  else if (/^nk_[A-Za-z0-9_-]{1,13}$/.test(idOrPrefix)) q = q.where('api_tokens.prefix', '=', idOrPrefix);
  else return undefined;
  if (opts.userId !== undefined) q = q.where('api_tokens.user_id', '=', opts.userId);
  const rows = await q.execute();
  if (rows.length > 1) {
    throw new InputError('ambiguous_token', `more than one token has the prefix "${idOrPrefix}"; revoke it by its id instead`, 409);
  }
  return rows[0];
}

/** Revoke a token by id or prefix (InputError 404 when unknown). Revoking twice is harmless. */
export async function revokeToken(db: Db, idOrPrefix: string, opts: { userId?: string } = {}): Promise<void> {
  const t = await findToken(db, idOrPrefix, opts);
  if (!t) throw new InputError('token_not_found', `no API token with id or prefix "${idOrPrefix}"; list the tokens to find it`, 404);
  if (t.revoked_at) return;
  await db.updateTable('api_tokens').set({ revoked_at: new Date() }).where('id', '=', t.id).execute();
}

/** The enabled user a valid, unexpired, unrevoked token belongs to, or null. Records its use. */
export async function verifyToken(db: Db, token: string): Promise<User | null> {
  if (typeof token !== 'string' || !TOKEN_RE.test(token)) return null;
  const now = new Date();
  const row = await db
    .selectFrom('api_tokens')
    .innerJoin('users', 'users.id', 'api_tokens.user_id')
    .selectAll('users')
    .select(['api_tokens.id as token_id', 'api_tokens.expires_at as token_expires_at', 'api_tokens.revoked_at as token_revoked_at', 'api_tokens.last_used_at as token_last_used_at'])
    .where('api_tokens.token_hash', '=', sha256Hex(token))
    .executeTakeFirst();
  if (!row || row.token_revoked_at || row.disabled) return null;
  if (row.token_expires_at && row.token_expires_at.getTime() <= now.getTime()) return null;
  // Record use at most once a minute per token, so that busy scripts do not write on every call.
  if (!row.token_last_used_at || now.getTime() - row.token_last_used_at.getTime() > 60_000) {
    await db.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', row.token_id).execute();
  }
  const { token_id: _i, token_expires_at: _e, token_revoked_at: _r, token_last_used_at: _l, ...user } = row;
  return user;
}

export type { ApiToken };

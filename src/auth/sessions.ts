// Browser sessions: a random cookie value; only its SHA-256 is stored, with an absolute expiry.
import { randomBytes } from 'node:crypto';
import type { Db } from '../db/index.ts';
import type { User } from '../db/schema.ts';
import { sha256Hex } from './tokens.ts';

export const SESSION_COOKIE = 'netkeep_session';
export const DEFAULT_SESSION_TTL_MS = 12 * 3600 * 1000;

export async function createSession(db: Db, userId: string, opts: { sourceIp?: string; ttlMs?: number } = {}): Promise<{ id: string; expiresAt: Date }> {
  const id = randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + (opts.ttlMs ?? DEFAULT_SESSION_TTL_MS));
  await db
    .insertInto('sessions')
    .values({ id_hash: sha256Hex(id), user_id: userId, source_ip: opts.sourceIp?.slice(0, 64) ?? null, expires_at: expiresAt, last_seen_at: new Date() })
    .execute();
  // Expired sessions of anyone are removed as new ones are made: the table stays small without a job.
  await db.deleteFrom('sessions').where('expires_at', '<', new Date()).execute();
  return { id, expiresAt };
}

/** The enabled user of a live session, or null. */
export async function verifySession(db: Db, id: string): Promise<User | null> {
  if (typeof id !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(id)) return null;
  const row = await db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .selectAll('users')
    .select(['sessions.expires_at as session_expires_at', 'sessions.last_seen_at as session_last_seen_at'])
    .where('sessions.id_hash', '=', sha256Hex(id))
    .executeTakeFirst();
  const now = Date.now();
  if (!row || row.disabled || row.session_expires_at.getTime() <= now) return null;
  if (now - row.session_last_seen_at.getTime() > 60_000) {
    await db.updateTable('sessions').set({ last_seen_at: new Date(now) }).where('id_hash', '=', sha256Hex(id)).execute();
  }
  const { session_expires_at: _e, session_last_seen_at: _l, ...user } = row;
  return user;
}

export async function deleteSession(db: Db, id: string): Promise<void> {
  if (typeof id !== 'string' || id.length > 200) return;
  await db.deleteFrom('sessions').where('id_hash', '=', sha256Hex(id)).execute();
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword, validatePassword, verifyPassword } from '../../src/auth/passwords.ts';
import { authenticate, createUser, ensureInitialAdmin, listUsers, setPassword, updateUser, deleteUser } from '../../src/auth/users.ts';
import { createToken, listTokens, revokeToken, verifyToken } from '../../src/auth/tokens.ts';
import { audit, listAudit } from '../../src/auth/audit.ts';
import { createSession, verifySession } from '../../src/auth/sessions.ts';
import { getSettings, updateSettings } from '../../src/auth/settings.ts';
import { InputError } from '../../src/errors.ts';
import { backends, freshDb, type TestDb } from '../helpers/db.ts';

async function inputError(p: Promise<unknown> | (() => unknown), code: string, status?: number): Promise<InputError> {
  let err: unknown;
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(InputError);
  expect((err as InputError).code).toBe(code);
  if (status) expect((err as InputError).status).toBe(status);
  return err as InputError;
}

describe('passwords', () => {
  it('hashes with argon2id and verifies only the right password', async () => {
    const h = await hashPassword('correct horse battery');
    expect(h.startsWith('$argon2id$')).toBe(true);
    expect(await verifyPassword(h, 'correct horse battery')).toBe(true);
    expect(await verifyPassword(h, 'correct horse batterz')).toBe(false);
    expect(await verifyPassword('not-a-hash', 'x')).toBe(false);
  });
  it('refuses short and obviously weak passwords', async () => {
    for (const pw of ['short', 'aaaaaaaaaaaa', 'password123', 'Password123!', '1234567890', 'abababababab']) {
      await inputError(() => validatePassword(pw), 'weak_password', 400);
    }
    await inputError(() => validatePassword('alice-in-chains-2', { username: 'alice' }), 'weak_password');
    expect(() => validatePassword('purple-monkey-dishwasher')).not.toThrow();
  });
});

describe.each(backends())('auth services on %s', (backend) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await freshDb(backend);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('creates the first admin once: with NETKEEP_ADMIN_PASSWORD, or generated and returned', async () => {
    const first = await ensureInitialAdmin(t.db, {});
    expect(first.created).toBe(true);
    expect(first.username).toBe('admin');
    expect(first.password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(await authenticate(t.db, 'admin', first.password!)).toMatchObject({ username: 'admin', role: 'admin' });
    const again = await ensureInitialAdmin(t.db, { NETKEEP_ADMIN_PASSWORD: 'another-long-password' });
    expect(again).toEqual({ created: false, username: 'admin' });
  });

  it('uses NETKEEP_ADMIN_PASSWORD on an empty database and refuses a weak one', async () => {
    const t2 = await freshDb(backend);
    try {
      await inputError(ensureInitialAdmin(t2.db, { NETKEEP_ADMIN_PASSWORD: 'short' }), 'weak_password');
      expect(await listUsers(t2.db)).toEqual([]);
      const r = await ensureInitialAdmin(t2.db, { NETKEEP_ADMIN_PASSWORD: 'rocket-garden-tulip' });
      expect(r).toEqual({ created: true, username: 'admin' });
      expect(await authenticate(t2.db, 'admin', 'rocket-garden-tulip')).not.toBeNull();
    } finally {
      await t2.close();
    }
  });

  it('creates users, refuses duplicates, bad names and bad roles, and lists without hashes', async () => {
    const u = await createUser(t.db, { username: 'Alice', password: 'violet-engine-sky', role: 'operator' });
    expect(u.username).toBe('alice');
    await inputError(createUser(t.db, { username: 'alice', password: 'violet-engine-sky', role: 'viewer' }), 'username_taken', 409);
    await inputError(createUser(t.db, { username: '../etc', password: 'violet-engine-sky', role: 'viewer' }), 'invalid_username', 400);
    await inputError(createUser(t.db, { username: 'bob', password: 'violet-engine-sky', role: 'root' }), 'invalid_role', 400);
    await inputError(createUser(t.db, { username: 'bob', password: 'short', role: 'viewer' }), 'weak_password', 400);
    const list = await listUsers(t.db);
    expect(list.map((x) => x.username)).toEqual(['admin', 'alice']);
    expect(JSON.stringify(list)).not.toContain('argon2');
    expect(list[1]).not.toHaveProperty('password_hash');
  });

  it('authenticates, changes passwords (ending sessions) and never lets a disabled user in', async () => {
    expect(await authenticate(t.db, 'alice', 'wrong-password-here')).toBeNull();
    expect(await authenticate(t.db, 'nobody', 'violet-engine-sky')).toBeNull();
    const a = await authenticate(t.db, 'ALICE', 'violet-engine-sky');
    expect(a?.last_login_at).toBeInstanceOf(Date);
    const s = await createSession(t.db, a!.id);
    expect((await verifySession(t.db, s.id))?.username).toBe('alice');
    await setPassword(t.db, 'alice', 'orange-bicycle-moon');
    expect(await verifySession(t.db, s.id)).toBeNull();
    expect(await authenticate(t.db, 'alice', 'violet-engine-sky')).toBeNull();
    expect(await authenticate(t.db, 'alice', 'orange-bicycle-moon')).not.toBeNull();
    await updateUser(t.db, 'alice', { disabled: true });
    expect(await authenticate(t.db, 'alice', 'orange-bicycle-moon')).toBeNull();
    await updateUser(t.db, 'alice', { disabled: false });
  });

  it('keeps at least one enabled admin', async () => {
    await inputError(updateUser(t.db, 'admin', { role: 'viewer' }), 'last_admin', 409);
    await inputError(updateUser(t.db, 'admin', { disabled: true }), 'last_admin', 409);
    await inputError(deleteUser(t.db, 'admin'), 'last_admin', 409);
  });

  it('creates tokens stored only as SHA-256, verifies, expires and revokes them', async () => {
    const { token, id, prefix } = await createToken(t.db, { username: 'alice', name: 'ci' });
    expect(token).toMatch(/^nk_[A-Za-z0-9_-]{43}$/);
    expect(token.startsWith(prefix)).toBe(true);
    const row = await t.db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(token.slice(3));
    expect((await verifyToken(t.db, token))?.username).toBe('alice');
    expect(await verifyToken(t.db, token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A'))).toBeNull();
    expect(await verifyToken(t.db, 'garbage')).toBeNull();

    const exp = await createToken(t.db, { username: 'alice', name: 'short-lived', expiresAt: new Date(Date.now() + 3600_000) });
    await t.db.updateTable('api_tokens').set({ expires_at: new Date(Date.now() - 1000) }).where('id', '=', exp.id).execute();
    expect(await verifyToken(t.db, exp.token)).toBeNull();
    await inputError(createToken(t.db, { username: 'alice', name: 'past', expiresAt: '2001-01-01T00:00:00Z' }), 'invalid_expiry', 400);
    await inputError(createToken(t.db, { username: 'ghost', name: 'x' }), 'user_not_found', 404);

    await revokeToken(t.db, prefix);
    expect(await verifyToken(t.db, token)).toBeNull();
    await inputError(revokeToken(t.db, 'nk_zzzzzzzz'), 'token_not_found', 404);
    await inputError(revokeToken(t.db, '../../etc'), 'token_not_found', 404);
    const mine = await listTokens(t.db, (await authenticate(t.db, 'alice', 'orange-bicycle-moon'))!.id);
    expect(mine.map((x) => x.name).sort()).toEqual(['ci', 'short-lived']);
    expect(mine.find((x) => x.name === 'ci')?.revoked_at).toBeInstanceOf(Date);
    expect(JSON.stringify(mine)).not.toContain('token_hash');
  });

  it('writes and filters the audit log', async () => {
    await audit(t.db, { username: 'alice', sourceIp: '192.0.2.9', action: 'device.create', targetType: 'device', targetId: 'd1', result: 'ok', details: { name: 'r1' } });
    await audit(t.db, { username: 'bob', action: 'device.delete', targetType: 'device', targetId: 'd1', result: 'denied' });
    await audit(t.db, { action: 'auth.login', result: 'failed' });
    const all = await listAudit(t.db, { limit: 10, offset: 0 });
    expect(all.total).toBe(3);
    expect(all.items[0]!.action).toBe('auth.login');
    expect((await listAudit(t.db, { action: 'device.' })).items.map((e) => e.action)).toEqual(['device.delete', 'device.create']);
    expect((await listAudit(t.db, { result: 'denied' })).items.map((e) => e.username)).toEqual(['bob']);
    const one = await listAudit(t.db, { username: 'alice' });
    expect(one.items[0]).toMatchObject({ source_ip: '192.0.2.9', target_id: 'd1', details: { name: 'r1' } });
    expect((await listAudit(t.db, { limit: 1, offset: 1 })).items).toHaveLength(1);
  });

  it('has typed settings with defaults', async () => {
    expect(await getSettings(t.db)).toEqual({ viewer_can_download: true, session_ttl_hours: 12 });
    expect(await updateSettings(t.db, { viewer_can_download: false })).toMatchObject({ viewer_can_download: false });
    await inputError(updateSettings(t.db, { nope: 1 }), 'unknown_setting', 400);
    await inputError(updateSettings(t.db, { session_ttl_hours: 0 }), 'invalid_setting', 400);
    expect((await getSettings(t.db)).session_ttl_hours).toBe(12);
  });
});

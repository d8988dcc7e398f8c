import { recordBackup, recordFailure } from '../../src/backup/record.ts';
import { NetkeepError } from '../../src/errors.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { stopBoss } from '../../src/schedule/queue.ts';
import { backends } from '../helpers/db.ts';
import { body, expectProblem, PASSWORDS, startServer, type TestServer } from './helpers.ts';

const V1 = '/api/v1';

function cookieOf(r: { headers: Record<string, unknown> }): string {
  const set = r.headers['set-cookie'];
  const line = (Array.isArray(set) ? set : [set]).find((c) => String(c).startsWith('netkeep_session='));
  if (!line) throw new Error('no netkeep_session cookie set');
  return String(line);
}

describe.each(backends())('HTTP API on %s', (backend) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(backend, { loginRateLimit: { max: 10, windowMs: 3600_000 } });
  });
  afterAll(async () => {
    if (s) await stopBoss(s.ctx); // POST …/backup started the job queue
    await s?.close();
  });

  const count = async (table: 'devices' | 'device_groups' | 'credential_profiles' | 'users' | 'backup_configs') =>
    Number((await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(table)}`.execute(s.t.db)).rows[0]!.n);

  it('answers /healthz without auth, serves OpenAPI and the docs UI', async () => {
    const h = await s.app.inject({ method: 'GET', url: '/healthz' });
    expect(h.statusCode).toBe(200);
    expect(body(h)).toEqual({ status: 'ok', database: backend });
    const o = await s.app.inject({ method: 'GET', url: '/api/openapi.json' });
    const doc = body(o);
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining([`${V1}/devices`, `${V1}/backups/configs/{id}`, `${V1}/backups/history/{id}/restore`]));
    expect(doc.paths[`${V1}/devices`].post.requestBody.content['application/json'].schema.additionalProperties).toBe(false);
    const ui = await s.app.inject({ method: 'GET', url: '/api/docs' });
    expect(ui.statusCode).toBe(200);
    expect(ui.body).toContain('swagger');
  });

  it('logs in with a session cookie (HttpOnly, SameSite=Strict, Path=/), knows who is logged in, logs out', async () => {
    const bad = await s.app.inject({ method: 'POST', url: `${V1}/auth/login`, payload: { username: 'admin', password: 'not-the-password' } });
    expectProblem(bad, 401, 'invalid_credentials');
    expect(bad.headers['set-cookie']).toBeUndefined();
    const ok = await s.app.inject({ method: 'POST', url: `${V1}/auth/login`, payload: { username: 'admin', password: PASSWORDS.admin } });
    expect(ok.statusCode).toBe(200);
    expect(body(ok).user).toMatchObject({ username: 'admin', role: 'admin' });
    expect(body(ok).user.password_hash).toBeUndefined();
    const c = cookieOf(ok);
    expect(c).toMatch(/HttpOnly/i);
    expect(c).toMatch(/SameSite=Strict/i);
    expect(c).toMatch(/Path=\//);
    expect(c).toMatch(/Max-Age=43200/);
    const value = /^netkeep_session=([^;]+)/.exec(c)![1]!;
    const rows = await s.t.db.selectFrom('sessions').select('id_hash').execute();
    expect(rows.length).toBeGreaterThan(0);
    expect(JSON.stringify(rows)).not.toContain(value);
    const cookies = { netkeep_session: value };

    const me = await s.app.inject({ method: 'GET', url: `${V1}/auth/me`, cookies });
    expect(body(me)).toMatchObject({ user: { username: 'admin' }, auth: 'session' });
    expect(body(await s.app.inject({ method: 'GET', url: `${V1}/auth/session`, cookies }))).toMatchObject({ authenticated: true, user: { username: 'admin', role: 'admin' }, auth: 'session' });
    // cookie-authenticated mutations must be JSON requests (no cross-site form posts)
    const form = await s.app.inject({ method: 'POST', url: `${V1}/groups`, cookies, payload: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expectProblem(form, 415, 'json_required');
    const bare = await s.app.inject({ method: 'POST', url: `${V1}/auth/logout`, cookies });
    expectProblem(bare, 415, 'json_required');
    const g = await s.app.inject({ method: 'POST', url: `${V1}/groups`, cookies, payload: { name: 'via-cookie' } });
    expect(g.statusCode).toBe(201);

    const out = await s.app.inject({ method: 'POST', url: `${V1}/auth/logout`, cookies, headers: { 'content-type': 'application/json' } });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/netkeep_session=;/);
    expectProblem(await s.app.inject({ method: 'GET', url: `${V1}/auth/me`, cookies }), 401, 'unauthenticated');
    // the UI's question after logout: a plain "no", not an error
    const after = await s.app.inject({ method: 'GET', url: `${V1}/auth/session`, cookies });
    expect(after.statusCode).toBe(200);
    expect(body(after)).toEqual({ authenticated: false });
  });

  it('limits failed logins per IP and username, also for the right password, and not for other users', async () => {
    for (let i = 0; i < 10; i++) {
      expectProblem(await s.app.inject({ method: 'POST', url: `${V1}/auth/login`, payload: { username: 'operator', password: `wrong-${i}-password` } }), 401, 'invalid_credentials');
    }
    const limited = await s.app.inject({ method: 'POST', url: `${V1}/auth/login`, payload: { username: 'operator', password: PASSWORDS.operator } });
    const p = expectProblem(limited, 429, 'rate_limited');
    expect(p.detail).toMatch(/wait \d+ s/);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    const other = await s.app.inject({ method: 'POST', url: `${V1}/auth/login`, payload: { username: 'viewer', password: PASSWORDS.viewer } });
    expect(other.statusCode).toBe(200);
    const fromElsewhere = await s.app.inject({ method: 'POST', url: `${V1}/auth/login`, remoteAddress: '192.0.2.50', payload: { username: 'operator', password: PASSWORDS.operator } });
    expect(fromElsewhere.statusCode).toBe(200);
  });

  it('creates API tokens shown once, lists them without the secret, revokes them; expired tokens fail', async () => {
    const c = await s.as('operator', { method: 'POST', url: `${V1}/tokens`, payload: { name: 'script' } });
    expect(c.statusCode).toBe(201);
    const { token, id, prefix } = body(c);
    expect(token).toMatch(/^nk_/);
    const me = await s.app.inject({ method: 'GET', url: `${V1}/auth/me`, headers: { authorization: `Bearer ${token}` } });
    expect(body(me)).toMatchObject({ user: { username: 'operator', role: 'operator' }, auth: 'token' });
    const list = await s.as('operator', { method: 'GET', url: `${V1}/tokens` });
    expect(list.body).not.toContain(token);
    expect(body(list).items.map((x: { prefix: string }) => x.prefix)).toContain(prefix);
    expect(body(list).items.every((x: { username: string }) => x.username === 'operator')).toBe(true);
    expectProblem(await s.as('operator', { method: 'GET', url: `${V1}/tokens?all=true` }), 403, 'forbidden');
    expect(body(await s.as('admin', { method: 'GET', url: `${V1}/tokens?all=true` })).items.length).toBeGreaterThanOrEqual(4);
    expectProblem(await s.as('operator', { method: 'POST', url: `${V1}/tokens`, payload: { name: 'x', username: 'admin' } }), 403, 'forbidden');
    expect((await s.as('admin', { method: 'POST', url: `${V1}/tokens`, payload: { name: 'for-viewer', username: 'viewer' } })).statusCode).toBe(201);
    // someone else's token is not found for a non-admin
    expectProblem(await s.as('viewer', { method: 'DELETE', url: `${V1}/tokens/${id}` }), 404, 'token_not_found');
    expect((await s.as('operator', { method: 'DELETE', url: `${V1}/tokens/${prefix}` })).statusCode).toBe(204);
    expectProblem(await s.app.inject({ method: 'GET', url: `${V1}/auth/me`, headers: { authorization: `Bearer ${token}` } }), 401, 'unauthenticated');
    expectProblem(await s.as('operator', { method: 'DELETE', url: `${V1}/tokens/nk_unknown0` }), 404, 'token_not_found');

    const e = body(await s.as('viewer', { method: 'POST', url: `${V1}/tokens`, payload: { name: 'soon', expires_at: new Date(Date.now() + 86400_000).toISOString() } }));
    expect((await s.app.inject({ method: 'GET', url: `${V1}/auth/me`, headers: { authorization: `Bearer ${e.token}` } })).statusCode).toBe(200);
    await s.t.db.updateTable('api_tokens').set({ expires_at: new Date(Date.now() - 1000) }).where('id', '=', e.id).execute();
    expectProblem(await s.app.inject({ method: 'GET', url: `${V1}/auth/me`, headers: { authorization: `Bearer ${e.token}` } }), 401, 'unauthenticated');
    expectProblem(await s.app.inject({ method: 'GET', url: `${V1}/auth/me`, headers: { authorization: 'Basic YTpi' } }), 401, 'unauthenticated');
    expectProblem(await s.as('viewer', { method: 'POST', url: `${V1}/tokens`, payload: { name: 'old', expires_at: '2001-01-01T00:00:00Z' } }), 400, 'invalid_expiry');
  });

  it('does CRUD on groups, credential profiles and devices, paginated, secrets never returned', async () => {
    const g = await s.as('operator', { method: 'POST', url: `${V1}/groups`, payload: { name: 'core', description: 'core routers' } });
    expect(g.statusCode).toBe(201);
    expect(body(await s.as('viewer', { method: 'GET', url: `${V1}/groups/core` })).description).toBe('core routers');
    expect(body(await s.as('operator', { method: 'PATCH', url: `${V1}/groups/core`, payload: { description: 'x' } })).description).toBe('x');

    const p = await s.as('admin', { method: 'POST', url: `${V1}/credential-profiles`, payload: { name: 'lab', username: 'backup', password: 'Very-Secret-1', enable_password: 'En-Secret-2' } });
    expect(p.statusCode).toBe(201);
    expect(p.body).not.toContain('Secret');
    expect(body(p)).toMatchObject({ has_password: true, has_enable_password: true, has_private_key: false });
    const pl = await s.as('operator', { method: 'GET', url: `${V1}/credential-profiles` });
    expect(pl.body).not.toContain('Secret');
    expect(body(pl).items.map((x: { name: string }) => x.name)).toEqual(['lab']);
    expect(body(await s.as('admin', { method: 'PATCH', url: `${V1}/credential-profiles/lab`, payload: { enable_password: null } })).has_enable_password).toBe(false);

    for (let i = 1; i <= 5; i++) {
      const r = await s.as('operator', { method: 'POST', url: `${V1}/devices`, payload: { name: `r${i}`, address: `192.0.2.${i}`, driver: 'ios', group: 'core', credential_profile: 'lab', tags: ['lab'] } });
      expect(r.statusCode, r.body).toBe(201);
    }
    const page = body(await s.as('viewer', { method: 'GET', url: `${V1}/devices?limit=2&offset=2&sort=name&order=desc` }));
    expect(page).toMatchObject({ total: 5, limit: 2, offset: 2 });
    expect(page.items.map((d: { name: string }) => d.name)).toEqual(['r3', 'r2']);
    expect(page.items[0]).toMatchObject({ group: 'core', credential_profile: 'lab', driver: 'ios', enabled: true });
    expect(body(await s.as('viewer', { method: 'GET', url: `${V1}/devices?group=core&q=r1` })).total).toBe(1);
    const r1 = body(await s.as('viewer', { method: 'GET', url: `${V1}/devices/r1` }));
    expect((await s.as('viewer', { method: 'GET', url: `${V1}/devices/${r1.id}` })).statusCode).toBe(200);
    const upd = await s.as('operator', { method: 'PATCH', url: `${V1}/devices/r1`, payload: { enabled: false, port: 2222, tags: ['a', 'b'] } });
    expect(body(upd)).toMatchObject({ enabled: false, port: 2222, tags: ['a', 'b'] });
    expect((await s.as('operator', { method: 'DELETE', url: `${V1}/devices/r5` })).statusCode).toBe(204);
    expectProblem(await s.as('viewer', { method: 'GET', url: `${V1}/devices/r5` }), 404, 'device_not_found');
    expectProblem(await s.as('admin', { method: 'DELETE', url: `${V1}/credential-profiles/lab` }), 409, 'credential_profile_in_use');
    expectProblem(await s.as('operator', { method: 'DELETE', url: `${V1}/groups/core` }), 409, 'group_not_empty');
    expect(body(await s.as('viewer', { method: 'GET', url: `${V1}/drivers` })).items.map((d: { id: string }) => d.id)).toContain('ios');
  });

  it('manages users (admin): create, list without hashes, change, delete; last admin is kept', async () => {
    const u = await s.as('admin', { method: 'POST', url: `${V1}/users`, payload: { username: 'carol', password: 'maple-syrup-canoe', role: 'viewer' } });
    expect(u.statusCode).toBe(201);
    expectProblem(await s.as('admin', { method: 'POST', url: `${V1}/users`, payload: { username: 'carol', password: 'maple-syrup-canoe', role: 'viewer' } }), 409, 'username_taken');
    expectProblem(await s.as('admin', { method: 'POST', url: `${V1}/users`, payload: { username: 'dave', password: 'short', role: 'viewer' } }), 400, 'weak_password');
    expectProblem(await s.as('admin', { method: 'POST', url: `${V1}/users`, payload: { username: 'dave', password: 'maple-syrup-canoe', role: 'root' } }), 400, 'invalid_request');
    const list = await s.as('admin', { method: 'GET', url: `${V1}/users` });
    expect(list.body).not.toMatch(/argon2|password_hash/);
    expect(body(list).total).toBe(4);
    expect(body(await s.as('admin', { method: 'PATCH', url: `${V1}/users/carol`, payload: { role: 'operator' } })).role).toBe('operator');
    expectProblem(await s.as('admin', { method: 'PATCH', url: `${V1}/users/admin`, payload: { role: 'viewer' } }), 409, 'last_admin');
    expect((await s.as('admin', { method: 'DELETE', url: `${V1}/users/carol` })).statusCode).toBe(204);
    expectProblem(await s.as('admin', { method: 'GET', url: `${V1}/users/carol` }), 404, 'user_not_found');
  });

  it('validates backup configurations; history, latest and download are real; run refuses a disabled device; restore says 501', async () => {
    const bad = [
      [{ device_id: 'r1', backup_type: 'all-of-it' }, 'invalid_request'],
      [{ device_id: 'r1', backup_type: 'running-config', protocol: 'ftp' }, 'invalid_request'],
      [{ device_id: 'r1', backup_type: 'running-config', retention_days: 0 }, 'invalid_request'],
      [{ device_id: 'r1', backup_type: 'running-config', schedule_cron: '* * * * * *' }, 'invalid_schedule'],
      [{ device_id: 'r1', backup_type: 'running-config', schedule_cron: '0 24 * * *' }, 'invalid_schedule'],
      [{ device_id: 'r1', backup_type: 'running-config', schedule_timezone: 'Nowhere/Land' }, 'invalid_timezone'],
      [{ device_id: 'ghost', backup_type: 'running-config' }, 'device_not_found'],
    ] as const;
    const before = await count('backup_configs');
    for (const [payload, code] of bad) expectProblem(await s.as('operator', { method: 'POST', url: `${V1}/backups/configs`, payload }), 400, code);
    expect(await count('backup_configs')).toBe(before);

    const c = await s.as('operator', { method: 'POST', url: `${V1}/backups/configs`, payload: { device_id: 'r1', backup_type: 'running-config', schedule_cron: 'weekly', retention_days: 365, schedule_timezone: 'America/New_York' } });
    expect(c.statusCode).toBe(201);
    const cfg = body(c);
    expect(cfg.warnings).toEqual([]);
    // TLS verification switched off is shown as a warning, never silently accepted
    const insecure = body(await s.as('operator', { method: 'POST', url: `${V1}/backups/configs`, payload: { device_id: 'r1', backup_type: 'full-state', protocol: 'rest', options: { rest: { profile: 'eapi', tls: { insecure: true } } } } }));
    expect(insecure.warnings).toEqual([expect.stringMatching(/^TLS certificate verification is off \(rest\.tls: insecure\).*pin its certificate fingerprint or give its CA/)]);
    const pinned = body(await s.as('operator', { method: 'POST', url: `${V1}/backups/configs`, payload: { device_id: 'r1', backup_type: 'startup-config', protocol: 'rest', options: { tls: { fingerprint: 'sha256/AA' } } } }));
    expect(pinned.warnings).toEqual([]);
    for (const id of [insecure.id, pinned.id]) expect((await s.as('operator', { method: 'DELETE', url: `${V1}/backups/configs/${id}` })).statusCode).toBe(204);
    expect(cfg).toMatchObject({ device_name: 'r1', protocol: 'ssh', schedule_cron: '@weekly', retention_days: 365, compression_enabled: true, encryption_enabled: true });
    expect(body(await s.as('viewer', { method: 'GET', url: `${V1}/backups/configs/${cfg.id}` })).id).toBe(cfg.id);
    expect(body(await s.as('operator', { method: 'PUT', url: `${V1}/backups/configs/${cfg.id}`, payload: { schedule_cron: '30 3 * * 1', enabled: false } })).schedule_cron).toBe('30 3 * * 1');
    expect(body(await s.as('viewer', { method: 'GET', url: `${V1}/backups/configs?device=r1` })).total).toBe(1);
    expectProblem(await s.as('viewer', { method: 'GET', url: `${V1}/backups/configs/00000000-0000-4000-8000-000000000000` }), 404, 'backup_config_not_found');

    const latest0 = expectProblem(await s.as('viewer', { method: 'GET', url: `${V1}/backups/devices/r1/latest` }), 404, 'no_backup');
    expect(latest0.detail).toContain('no successful backup');
    const r1 = body(await s.as('viewer', { method: 'GET', url: `${V1}/devices/r1` }));
    const t0 = Date.now();
    const ids: string[] = [];
    const texts = ['hostname r1\ninterface Gi0/1\n description one\n', 'hostname r1\ninterface Gi0/1\n description two\n'];
    for (const [i, text] of texts.entries()) {
      const r = await recordBackup(s.ctx, { deviceId: r1.id, configId: cfg.id, text, startedAt: new Date(t0 + i * 1000), completedAt: new Date(t0 + i * 1000 + 10), trigger: 'api', driver: 'ios', durationMs: 10 });
      ids.push(r.historyId);
    }
    const fail = await recordFailure(s.ctx, { deviceId: r1.id, configId: cfg.id, error: new NetkeepError('timeout', 'no answer'), startedAt: new Date(t0 + 2000), completedAt: new Date(t0 + 2010), trigger: 'api' });
    ids.push(fail.historyId);
    const hist = body(await s.as('viewer', { method: 'GET', url: `${V1}/backups/devices/r1/history?limit=2` }));
    expect(hist).toMatchObject({ total: 3, limit: 2, offset: 0 });
    expect(hist.items.map((h: { id: string }) => h.id)).toEqual([ids[2], ids[1]]);
    expect(hist.items.map((h: { status: string }) => h.status)).toEqual(['failure', 'success']);
    expect(body(await s.as('viewer', { method: 'GET', url: `${V1}/backups/devices/${r1.id}/latest` })).id).toBe(ids[1]);
    const dl = await s.as('viewer', { method: 'GET', url: `${V1}/backups/history/${ids[0]}/download` });
    expect(dl.statusCode).toBe(200);
    expect(dl.body).toBe(texts[0]);

    // r1 was disabled above: nothing is queued for it (queuing itself: test/api/jobs.test.ts)
    expect(expectProblem(await s.as('operator', { method: 'POST', url: `${V1}/backups/devices/r1/backup` }), 409, 'device_disabled').detail).toContain('enable it');
    // restore (test/restore/): a dry run is the default; the seed's `dry_run` field is not part of the API
    expect(expectProblem(await s.as('operator', { method: 'POST', url: `${V1}/backups/history/${ids[0]}/restore`, payload: { dry_run: true } }), 400, 'invalid_request').detail).toContain('dry_run');
    expectProblem(await s.as('operator', { method: 'POST', url: `${V1}/backups/history/00000000-0000-4000-8000-000000000000/restore` }), 404, 'backup_not_found');

    expectProblem(await s.as('operator', { method: 'DELETE', url: `${V1}/devices/r1` }), 409, 'device_has_history');
    expectProblem(await s.as('operator', { method: 'DELETE', url: `${V1}/backups/configs/${cfg.id}` }), 409, 'config_has_history');

    // viewer downloads follow the setting
    expect(body(await s.as('admin', { method: 'PUT', url: `${V1}/settings`, payload: { viewer_can_download: false } })).viewer_can_download).toBe(false);
    expectProblem(await s.as('viewer', { method: 'GET', url: `${V1}/backups/history/${ids[0]}/download` }), 403, 'forbidden');
    expectProblem(await s.as('admin', { method: 'PUT', url: `${V1}/settings`, payload: { colour: 'red' } }), 400, 'invalid_request');
    await s.as('admin', { method: 'PUT', url: `${V1}/settings`, payload: { viewer_can_download: true } });
  });

  it('imports a device CSV over the API: errors by line and nothing written, or all rows', async () => {
    const before = await count('devices');
    const bad = await s.as('admin', { method: 'POST', url: `${V1}/devices/import`, payload: { csv: 'name,address,driver\nn1,192.0.2.31,ios\nn2,192.0.2.32,bogus\n' } });
    const p = expectProblem(bad, 400, 'invalid_csv');
    expect(p.lines).toEqual([{ line: 3, message: expect.stringContaining('bogus') }]);
    expect(await count('devices')).toBe(before);
    const ok = await s.as('admin', { method: 'POST', url: `${V1}/devices/import`, payload: { csv: 'name,address,driver,group,username,password\nn1,192.0.2.31,ios,imp,u1,p1\nn2,192.0.2.32,eos,imp,u1,p1\n' } });
    expect(body(ok)).toEqual({ created: 2, updated: 0, unchanged: 0, profiles_created: 1, groups_created: 1, dry_run: false });
    expect(await count('devices')).toBe(before + 2);
  });

  it('answers bad input with problem+json and writes nothing', async () => {
    const before = { d: await count('devices'), g: await count('device_groups') };
    const post = (payload: unknown, headers: Record<string, string> = {}) => s.as('admin', { method: 'POST', url: `${V1}/devices`, payload: payload as string, headers });
    expect(expectProblem(await post({ name: 'x1', address: '192.0.2.1', driver: 'ios', colour: 'red' }), 400, 'invalid_request').detail).toContain('unknown field "colour"');
    expect(expectProblem(await post({ address: '192.0.2.1', driver: 'ios' }), 400, 'invalid_request').detail).toContain('name');
    expectProblem(await post({ name: 'x1', address: '192.0.2.1', driver: 'ios', port: '22' }), 400, 'invalid_request');
    expectProblem(await post({ name: 'x1', address: '192.0.2.1', driver: 'ios', port: 0 }), 400, 'invalid_request');
    expectProblem(await post({ name: 'x1', address: 'not valid', driver: 'ios' }), 400, 'invalid_address');
    expectProblem(await post({ name: 'x1', address: '192.0.2.1', driver: 'nosuch' }), 400, 'unknown_driver');
    expectProblem(await post({ name: 'r2', address: '192.0.2.1', driver: 'ios' }), 409, 'device_name_taken');
    expectProblem(await post('{"name": "x1",', { 'content-type': 'application/json' }), 400, 'malformed_json');
    expectProblem(await post('[1,2]', { 'content-type': 'application/json' }), 400, 'invalid_request');
    expectProblem(await post('name=x1', { 'content-type': 'application/x-www-form-urlencoded' }), 415, 'unsupported_media_type');
    expectProblem(await post('name', { 'content-type': 'text/plain' }), 415, 'unsupported_media_type');
    const big = JSON.stringify({ name: 'x1', address: '192.0.2.1', driver: 'ios', options: { blob: 'x'.repeat(1024 * 1024) } });
    expectProblem(await post(big, { 'content-type': 'application/json' }), 413, 'body_too_large');
    expectProblem(await s.as('admin', { method: 'POST', url: `${V1}/groups`, payload: { name: 'a/b' } }), 400, 'invalid_group_name');
    expectProblem(await s.as('admin', { method: 'PATCH', url: `${V1}/devices/r2`, payload: {} }), 400, 'invalid_request');
    expect({ d: await count('devices'), g: await count('device_groups') }).toEqual(before);

    expectProblem(await s.as('viewer', { method: 'GET', url: `${V1}/backups/configs/not-a-uuid` }), 400, 'invalid_request');
    expectProblem(await s.as('viewer', { method: 'GET', url: `${V1}/backups/history/1%27%20OR%201=1/download` }), 400, 'invalid_request');
    expectProblem(await s.as('viewer', { method: 'GET', url: `${V1}/devices/..%2F..%2Fetc%2Fpasswd` }), 400, 'invalid_request');
    expectProblem(await s.as('viewer', { method: 'GET', url: `${V1}/devices/00000000-0000-0000-0000-000000000000` }), 404, 'device_not_found');
    expectProblem(await s.as('viewer', { method: 'GET', url: `${V1}/devices/${'x'.repeat(300)}` }), 400, 'invalid_request');
    expectProblem(await s.as('viewer', { method: 'GET', url: `${V1}/devices?limit=0` }), 400, 'invalid_request');
    expectProblem(await s.as('viewer', { method: 'GET', url: `${V1}/devices?limit=5000` }), 400, 'invalid_request');
    expectProblem(await s.as('viewer', { method: 'GET', url: `${V1}/devices?sort=password` }), 400, 'invalid_request');
    expectProblem(await s.as('viewer', { method: 'GET', url: `${V1}/devices?bogus=1` }), 400, 'invalid_request');
    expectProblem(await s.as('viewer', { method: 'GET', url: `${V1}/nothing-here` }), 404, 'not_found');
    expectProblem(await s.app.inject({ method: 'GET', url: `${V1}/devices` }), 401, 'unauthenticated');
    expectProblem(await s.as('viewer', { method: 'POST', url: `${V1}/devices`, payload: { name: 'x1', address: '192.0.2.1', driver: 'ios' } }), 403, 'forbidden');
  });

  it('records every mutation, with who, what, target, source IP and result', async () => {
    const a = body(await s.as('admin', { method: 'GET', url: `${V1}/audit?limit=1000` }));
    const entries = a.items as { action: string; username: string | null; result: string; target_type: string | null; target_id: string | null; source_ip: string; details: Record<string, unknown> }[];
    const has = (action: string, username: string | null, result: string) => entries.some((e) => e.action === action && e.username === username && e.result === result);
    expect(has('auth.login', 'admin', 'ok')).toBe(true);
    expect(has('auth.login', 'admin', 'denied')).toBe(true);
    expect(has('auth.login', 'operator', 'denied')).toBe(true);
    expect(has('auth.login', 'operator', 'failed')).toBe(true); // 429
    expect(has('auth.logout', 'admin', 'ok')).toBe(true);
    expect(has('group.create', 'admin', 'ok')).toBe(true); // via cookie
    expect(has('group.create', 'admin', 'failed')).toBe(true); // a/b
    expect(has('token.create', 'operator', 'ok')).toBe(true);
    expect(has('token.create', 'operator', 'denied')).toBe(true);
    expect(has('token.revoke', 'operator', 'ok')).toBe(true);
    expect(has('credential_profile.create', 'admin', 'ok')).toBe(true);
    expect(has('credential_profile.update', 'admin', 'ok')).toBe(true);
    expect(has('device.create', 'operator', 'ok')).toBe(true);
    expect(has('device.create', 'viewer', 'denied')).toBe(true);
    expect(has('device.update', 'operator', 'ok')).toBe(true);
    expect(has('device.delete', 'operator', 'ok')).toBe(true);
    expect(has('device.delete', 'operator', 'failed')).toBe(true); // has history
    expect(has('device.import', 'admin', 'ok')).toBe(true);
    expect(has('user.create', 'admin', 'ok')).toBe(true);
    expect(has('user.update', 'admin', 'ok')).toBe(true);
    expect(has('user.delete', 'admin', 'ok')).toBe(true);
    expect(has('backup_config.create', 'operator', 'ok')).toBe(true);
    expect(has('backup_config.update', 'operator', 'ok')).toBe(true);
    expect(has('backup.run', 'operator', 'failed')).toBe(true);
    expect(has('backup.download', 'viewer', 'failed')).toBe(true); // 501
    expect(has('backup.download', 'viewer', 'denied')).toBe(true); // setting off
    expect(has('backup.restore', 'operator', 'failed')).toBe(true);
    expect(has('settings.update', 'admin', 'ok')).toBe(true);
    const created = entries.find((e) => e.action === 'device.create' && e.result === 'ok')!;
    expect(created).toMatchObject({ target_type: 'device', source_ip: '127.0.0.1' });
    expect(created.target_id).toMatch(/^[0-9a-f-]{36}$/);
    const prof = entries.filter((e) => e.action.startsWith('credential_profile.'));
    expect(JSON.stringify(prof)).not.toContain('Very-Secret');
    const filtered = body(await s.as('admin', { method: 'GET', url: `${V1}/audit?action=device.delete&result=failed` }));
    expect(filtered.items.every((e: { action: string; result: string }) => e.action === 'device.delete' && e.result === 'failed')).toBe(true);
    expect(filtered.total).toBeGreaterThan(0);
  });

  it('answers an internal failure with a 500 problem without a stack trace, and /healthz with 503', async () => {
    const s2 = await startServer(backend);
    await s2.t.close();
    const r = await s2.as('admin', { method: 'GET', url: `${V1}/devices` });
    // the token check itself reads the database: the request fails before any route code
    const p = JSON.parse(r.body);
    expect(r.statusCode).toBe(500);
    expect(p.code).toBe('internal');
    expect(p.detail).toContain('request');
    expect(r.body).not.toMatch(/\bat\s.+:\d+:\d+/);
    expectProblem(await s2.app.inject({ method: 'GET', url: '/healthz' }), 503, 'database_unavailable');
    await s2.app.close();
  });
});

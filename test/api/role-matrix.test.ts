// Every route of the server × every role → the expected status, declared in ONE table. Routes are
// enumerated from Fastify itself: a new route without an entry here fails the test.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InjectOptions } from 'fastify';
import { createBackupConfig } from '../../src/inventory/backup-configs.ts';
import { createCredentialProfile } from '../../src/inventory/credentials.ts';
import { createDevice } from '../../src/inventory/devices.ts';
import { createGroup } from '../../src/inventory/groups.ts';
import { createUser } from '../../src/auth/users.ts';
import { createToken } from '../../src/auth/tokens.ts';
import { backends } from '../helpers/db.ts';
import { recordBackup } from '../../src/backup/record.ts';
import { PASSWORDS, startServer, type TestServer } from './helpers.ts';
import { enqueueBackup, stopBoss } from '../../src/schedule/queue.ts';
import { createChannel } from '../../src/notify/channels.ts';
import { createSource } from '../../src/inventory/sources/store.ts';
import { runSystemBackup } from '../../src/system/service.ts';
import { createRule } from '../../src/compliance/rules.ts';

type Caller = 'admin' | 'operator' | 'viewer' | 'anonymous';
const CALLERS: Caller[] = ['anonymous', 'viewer', 'operator', 'admin'];

interface Fixture {
  device: string; // per caller: a device only this caller's request touches
  group: string;
  profile: string;
  user: string;
  config: string;
  cfgDevice: string; // device of the backup configurations (not the one DELETE /devices removes)
  token: string; // id of a token owned by the caller (anonymous: by viewer)
}
interface Shared {
  histDevice: string;
  backupId: string;
  backupId2: string;
  jobId: string;
  notifyChannel: string;
  notifyDelete: Record<string, string>;
  systemBackupId: string;
  systemBackupToDelete: string;
}
type Req = (c: Caller, f: Fixture, s: Shared) => Omit<InjectOptions, 'method'>;
type Row = [expected: Record<Caller, number>, req: Req];

const ALL = (n: number) => ({ anonymous: n, viewer: n, operator: n, admin: n });
const AUTHED = (n: number) => ({ anonymous: 401, viewer: n, operator: n, admin: n });
const WRITERS = (n: number) => ({ anonymous: 401, viewer: 403, operator: n, admin: n });
const ADMIN = (n: number) => ({ anonymous: 401, viewer: 403, operator: 403, admin: n });
const V1 = '/api/v1';
const get = (url: string): Req => () => ({ url });

const MATRIX: Record<string, Row> = {
  // public
  'GET /healthz': [ALL(200), get('/healthz')],
  'GET /api/openapi.json': [ALL(200), get('/api/openapi.json')],
  'GET /api/docs': [ALL(200), get('/api/docs')],
  'GET /api/docs/json': [ALL(200), get('/api/docs/json')],
  'GET /api/docs/yaml': [ALL(200), get('/api/docs/yaml')],
  'GET /api/docs/static/index.html': [ALL(302), get('/api/docs/static/index.html')],
  'GET /api/docs/static/swagger-initializer.js': [ALL(200), get('/api/docs/static/swagger-initializer.js')],
  'GET /api/docs/static/*': [ALL(200), get('/api/docs/static/swagger-ui.css')],
  'HEAD /api/docs/static/*': [ALL(200), get('/api/docs/static/swagger-ui.css')],
  [`POST ${V1}/auth/login`]: [ALL(200), (c) => ({ payload: { username: c === 'anonymous' ? 'viewer' : c, password: PASSWORDS[c === 'anonymous' ? 'viewer' : c] } })],
  // any logged-in user
  [`POST ${V1}/auth/logout`]: [AUTHED(204), () => ({})],
  [`GET ${V1}/auth/me`]: [AUTHED(200), get(`${V1}/auth/me`)],
  [`GET ${V1}/auth/session`]: [ALL(200), get(`${V1}/auth/session`)],
  [`PUT ${V1}/auth/password`]: [AUTHED(204), (c) => ({ payload: c === 'anonymous' ? { current_password: 'x', new_password: 'y' } : { current_password: PASSWORDS[c], new_password: PASSWORDS[c] } })],
  [`GET ${V1}/tokens`]: [AUTHED(200), get(`${V1}/tokens`)],
  [`POST ${V1}/tokens`]: [AUTHED(201), () => ({ payload: { name: 'matrix' } })],
  [`DELETE ${V1}/tokens/:id`]: [AUTHED(204), (_c, f) => ({ url: `${V1}/tokens/${f.token}` })],
  // admin only
  [`GET ${V1}/users`]: [ADMIN(200), get(`${V1}/users`)],
  [`POST ${V1}/users`]: [ADMIN(201), (c) => ({ payload: { username: `new-${c}`, password: 'quiet-harbor-lantern', role: 'viewer' } })],
  [`GET ${V1}/users/:id`]: [ADMIN(200), (_c, f) => ({ url: `${V1}/users/${f.user}` })],
  [`PATCH ${V1}/users/:id`]: [ADMIN(200), (_c, f) => ({ url: `${V1}/users/${f.user}`, payload: { role: 'operator' } })],
  [`DELETE ${V1}/users/:id`]: [ADMIN(204), (_c, f) => ({ url: `${V1}/users/${f.user}` })],
  [`GET ${V1}/audit`]: [ADMIN(200), get(`${V1}/audit`)],
  [`GET ${V1}/settings`]: [ADMIN(200), get(`${V1}/settings`)],
  [`PUT ${V1}/settings`]: [ADMIN(200), () => ({ payload: { viewer_can_download: true } })],
  [`POST ${V1}/devices/import`]: [ADMIN(200), (c) => ({ payload: { csv: `name,address,driver\nimp-${c},192.0.2.200,ios\n` } })],
  [`POST ${V1}/credential-profiles`]: [ADMIN(201), (c) => ({ payload: { name: `new-prof-${c}`, username: 'u', password: 'p' } })],
  [`PATCH ${V1}/credential-profiles/:id`]: [ADMIN(200), (_c, f) => ({ url: `${V1}/credential-profiles/${f.profile}`, payload: { description: 'd' } })],
  [`DELETE ${V1}/credential-profiles/:id`]: [ADMIN(204), (_c, f) => ({ url: `${V1}/credential-profiles/${f.profile}` })],
  // credential profile names: admin and operator
  [`GET ${V1}/credential-profiles`]: [WRITERS(200), get(`${V1}/credential-profiles`)],
  [`GET ${V1}/credential-profiles/:id`]: [WRITERS(200), (_c, f) => ({ url: `${V1}/credential-profiles/${f.profile}` })],
  // inventory: everyone reads, operators and admins write
  [`GET ${V1}/devices`]: [AUTHED(200), get(`${V1}/devices`)],
  [`GET ${V1}/devices/:id`]: [AUTHED(200), (_c, f) => ({ url: `${V1}/devices/${f.device}` })],
  [`POST ${V1}/devices`]: [WRITERS(201), (c) => ({ payload: { name: `new-dev-${c}`, address: '192.0.2.201', driver: 'ios' } })],
  [`PATCH ${V1}/devices/:id`]: [WRITERS(200), (_c, f) => ({ url: `${V1}/devices/${f.device}`, payload: { site: 'lab' } })],
  [`DELETE ${V1}/devices/:id`]: [WRITERS(204), (_c, f) => ({ url: `${V1}/devices/${f.device}` })],
  // host keys: on the config device, which the matrix never deletes; its key was changed in the set-up
  [`GET ${V1}/devices/:id/host-key`]: [AUTHED(200), (_c, f) => ({ url: `${V1}/devices/${f.cfgDevice}/host-key` })],
  [`POST ${V1}/devices/:id/host-key/accept`]: [WRITERS(200), (_c, f) => ({ url: `${V1}/devices/${f.cfgDevice}/host-key/accept` })],
  [`DELETE ${V1}/devices/:id/host-key`]: [WRITERS(200), (_c, f) => ({ url: `${V1}/devices/${f.cfgDevice}/host-key` })],
  [`GET ${V1}/drivers`]: [AUTHED(200), get(`${V1}/drivers`)],
  [`GET ${V1}/groups`]: [AUTHED(200), get(`${V1}/groups`)],
  [`GET ${V1}/groups/:id`]: [AUTHED(200), (_c, f) => ({ url: `${V1}/groups/${f.group}` })],
  [`POST ${V1}/groups`]: [WRITERS(201), (c) => ({ payload: { name: `new-grp-${c}` } })],
  [`PATCH ${V1}/groups/:id`]: [WRITERS(200), (_c, f) => ({ url: `${V1}/groups/${f.group}`, payload: { description: 'd' } })],
  [`DELETE ${V1}/groups/:id`]: [WRITERS(204), (_c, f) => ({ url: `${V1}/groups/${f.group}` })],
  // backups (seed API)
  [`GET ${V1}/backups/configs`]: [AUTHED(200), get(`${V1}/backups/configs`)],
  [`GET ${V1}/backups/configs/:id`]: [AUTHED(200), (_c, f) => ({ url: `${V1}/backups/configs/${f.config}` })],
  [`POST ${V1}/backups/configs`]: [WRITERS(201), (_c, f) => ({ payload: { device_id: f.cfgDevice, backup_type: 'startup-config' } })],
  [`PUT ${V1}/backups/configs/:id`]: [WRITERS(200), (_c, f) => ({ url: `${V1}/backups/configs/${f.config}`, payload: { retention_days: 7 } })],
  [`DELETE ${V1}/backups/configs/:id`]: [WRITERS(204), (_c, f) => ({ url: `${V1}/backups/configs/${f.config}` })],
  [`POST ${V1}/backups/devices/:id/backup`]: [WRITERS(202), (_c, _f, s) => ({ url: `${V1}/backups/devices/${s.histDevice}/backup` })],
  [`GET ${V1}/backups/devices/:id/history`]: [AUTHED(200), (_c, _f, s) => ({ url: `${V1}/backups/devices/${s.histDevice}/history` })],
  [`GET ${V1}/backups/devices/:id/latest`]: [AUTHED(200), (_c, _f, s) => ({ url: `${V1}/backups/devices/${s.histDevice}/latest` })],
  [`GET ${V1}/backups/history/:id`]: [AUTHED(200), (_c, _f, s) => ({ url: `${V1}/backups/history/${s.backupId}` })],
  [`GET ${V1}/backups/history/:id/download`]: [AUTHED(200), (_c, _f, s) => ({ url: `${V1}/backups/history/${s.backupId}/download` })], // viewers: viewer_can_download (default true)
  [`GET ${V1}/backups/diff`]: [AUTHED(200), (_c, _f, s) => ({ url: `${V1}/backups/diff?from=${s.backupId}&to=${s.backupId2}` })],
  // restore: the history device has no credential profile, so the dry run stops (409 no_credentials) after the role check
  [`POST ${V1}/backups/history/:id/restore`]: [WRITERS(409), (_c, _f, s) => ({ url: `${V1}/backups/history/${s.backupId}/restore`, payload: {} })],
  [`GET ${V1}/backups/history/:id/diff-live`]: [AUTHED(409), (_c, _f, s) => ({ url: `${V1}/backups/history/${s.backupId}/diff-live` })],
  [`GET ${V1}/restores`]: [AUTHED(200), get(`${V1}/restores`)],
  [`GET ${V1}/restores/:id`]: [AUTHED(404), get(`${V1}/restores/00000000-0000-4000-8000-000000000000`)],
  // jobs and live events: everyone who may read backups
  [`GET ${V1}/jobs`]: [AUTHED(200), get(`${V1}/jobs`)],
  [`GET ${V1}/jobs/:id`]: [AUTHED(200), (_c, _f, s) => ({ url: `${V1}/jobs/${s.jobId}` })],
  [`GET ${V1}/events`]: [AUTHED(200), get(`${V1}/events?duration=0`)],
  // notification channels: admins only (the shared channel is syslog over UDP to 127.0.0.1:9, so its test "arrives")
  [`GET ${V1}/notifications/channels`]: [ADMIN(200), get(`${V1}/notifications/channels`)],
  [`POST ${V1}/notifications/channels`]: [ADMIN(201), (c) => ({ payload: { name: `nc-new-${c}`, kind: 'syslog', config: { host: '127.0.0.1', port: 9 } } })],
  [`GET ${V1}/notifications/channels/:id`]: [ADMIN(200), (_c, _f, s) => ({ url: `${V1}/notifications/channels/${s.notifyChannel}` })],
  [`PATCH ${V1}/notifications/channels/:id`]: [ADMIN(200), (_c, _f, s) => ({ url: `${V1}/notifications/channels/${s.notifyChannel}`, payload: { quiet_seconds: 60 } })],
  [`DELETE ${V1}/notifications/channels/:id`]: [ADMIN(204), (c, _f, s) => ({ url: `${V1}/notifications/channels/${s.notifyDelete[c]}` })],
  [`POST ${V1}/notifications/channels/:id/test`]: [ADMIN(200), (_c, _f, s) => ({ url: `${V1}/notifications/channels/${s.notifyChannel}/test` })],
  [`GET ${V1}/notifications/channels/:id/deliveries`]: [ADMIN(200), (_c, _f, s) => ({ url: `${V1}/notifications/channels/${s.notifyChannel}/deliveries` })],
  // Prometheus metrics: open on loopback while NETKEEP_METRICS_TOKEN is unset (inject comes from 127.0.0.1)
  'GET /metrics': [ALL(200), get('/metrics')],
  // inventory sources: everyone reads, admins (inventory:import) change and sync; by name (created in the set-up)
  [`GET ${V1}/sources`]: [AUTHED(200), get(`${V1}/sources`)],
  [`POST ${V1}/sources`]: [ADMIN(201), (c) => ({ payload: { name: `new-src-${c}`, kind: 'csv', config: { path: '/nonexistent/netkeep-matrix.csv' } } })],
  [`GET ${V1}/sources/:id`]: [AUTHED(200), get(`${V1}/sources/src-shared`)],
  [`PATCH ${V1}/sources/:id`]: [ADMIN(200), () => ({ url: `${V1}/sources/src-shared`, payload: { enabled: true } })],
  [`DELETE ${V1}/sources/:id`]: [ADMIN(204), (c) => ({ url: `${V1}/sources/src-del-${c}` })],
  [`POST ${V1}/sources/:id/sync`]: [ADMIN(200), () => ({ url: `${V1}/sources/src-shared/sync`, payload: { dry_run: true, content: 'name,address,driver\n' } })],
  [`GET ${V1}/sources/:id/runs`]: [AUTHED(200), get(`${V1}/sources/src-shared/runs`)],
  // dashboard figures and reports: everyone who may read backups
  [`GET ${V1}/stats/dashboard`]: [AUTHED(200), get(`${V1}/stats/dashboard`)],
  [`GET ${V1}/reports/groups`]: [AUTHED(200), get(`${V1}/reports/groups?format=csv`)],
  [`GET ${V1}/reports/never-backed-up`]: [AUTHED(200), get(`${V1}/reports/never-backed-up`)],
  [`GET ${V1}/schedules/preview`]: [AUTHED(200), get(`${V1}/schedules/preview?cron=daily&timezone=Europe/Paris`)],
  // the web UI (public HTML and assets; the API behind it checks every call)
  'GET /*': [ALL(200), get('/devices')],
  // backups of netkeep itself: admins only
  [`GET ${V1}/system/backups`]: [ADMIN(200), get(`${V1}/system/backups`)],
  [`POST ${V1}/system/backups`]: [ADMIN(202), () => ({ payload: {} })],
  [`GET ${V1}/system/backups/:id`]: [ADMIN(200), (_c, _f, s) => ({ url: `${V1}/system/backups/${s.systemBackupId}` })],
  [`GET ${V1}/system/backups/:id/download`]: [ADMIN(200), (_c, _f, s) => ({ url: `${V1}/system/backups/${s.systemBackupId}/download` })],
  [`DELETE ${V1}/system/backups/:id`]: [ADMIN(200), (_c, _f, s) => ({ url: `${V1}/system/backups/${s.systemBackupToDelete}` })],
  [`GET ${V1}/system/backup-schedule`]: [ADMIN(200), get(`${V1}/system/backup-schedule`)],
  [`PUT ${V1}/system/backup-schedule`]: [ADMIN(200), () => ({ payload: { keep_last: 5 } })],
  // search, blame (shows the whole config: backups:download, as a download) and compliance; rules by name (made in the set-up)
  [`GET ${V1}/search`]: [AUTHED(200), get(`${V1}/search?q=ntp%20server`)], // backups:download: viewers while viewer_can_download is on (default)
  [`GET ${V1}/backups/devices/:id/blame`]: [AUTHED(200), (_c, _f, s) => ({ url: `${V1}/backups/devices/${s.histDevice}/blame` })],
  [`GET ${V1}/compliance/rules`]: [AUTHED(200), get(`${V1}/compliance/rules`)],
  [`POST ${V1}/compliance/rules`]: [WRITERS(201), (c) => ({ payload: { name: `rule-new-${c}`, kind: 'must_contain', match: 'line', pattern: 'ntp server 192.0.2.1' } })],
  [`GET ${V1}/compliance/rules/:id`]: [AUTHED(200), get(`${V1}/compliance/rules/rule-shared`)],
  [`PATCH ${V1}/compliance/rules/:id`]: [WRITERS(200), () => ({ url: `${V1}/compliance/rules/rule-shared`, payload: { description: 'd' } })],
  [`DELETE ${V1}/compliance/rules/:id`]: [WRITERS(204), (c) => ({ url: `${V1}/compliance/rules/rule-del-${c}` })],
  [`POST ${V1}/compliance/evaluate`]: [WRITERS(200), () => ({ payload: {} })],
  [`GET ${V1}/compliance/report`]: [AUTHED(200), get(`${V1}/compliance/report`)],
  [`GET ${V1}/compliance/devices/:id`]: [AUTHED(200), (_c, _f, s) => ({ url: `${V1}/compliance/devices/${s.histDevice}` })],
};

describe.each(backends())('role matrix on %s', (backend) => {
  let s: TestServer;
  const fx = {} as Record<Caller, Fixture>;
  const shared = {} as Shared;
  beforeAll(async () => {
    s = await startServer(backend);
    const db = s.t.db;
    for (const c of CALLERS) {
      const g = await createGroup(db, { name: `grp-${c}` });
      const p = await createCredentialProfile(db, s.ctx.keyring, { name: `prof-${c}`, username: 'u' });
      const d = await createDevice(db, { name: `dev-${c}`, address: '192.0.2.10', driver: 'ios' });
      const u = await createUser(db, { username: `user-${c}`, password: 'silver-meadow-falcon', role: 'viewer' });
      const cd = await createDevice(db, { name: `cfg-dev-${c}`, address: '192.0.2.11', driver: 'ios' });
      const cfg = await createBackupConfig(db, { device_id: cd.id, backup_type: 'running-config' });
      await db.updateTable('devices').set({ host_key: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOld', host_key_pending: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINew' }).where('id', '=', cd.id).execute();
      const tok = await createToken(db, { username: c === 'anonymous' ? 'viewer' : c, name: `matrix-${c}` });
      fx[c] = { device: d.id, group: g.id, profile: p.id, user: u.id, config: cfg.id, cfgDevice: cd.id, token: tok.id };
    }
    const hd = await createDevice(db, { name: 'hist-dev', address: '192.0.2.99', driver: 'ios' });
    const hc = await createBackupConfig(db, { device_id: hd.id, backup_type: 'running-config' });
    const v1 = await recordBackup(s.ctx, { deviceId: hd.id, configId: hc.id, text: 'hostname hist-dev\n', startedAt: new Date(Date.now() - 60_000), completedAt: new Date(Date.now() - 59_000), trigger: 'api', driver: 'ios', durationMs: 1 });
    const v2 = await recordBackup(s.ctx, { deviceId: hd.id, configId: hc.id, text: 'hostname hist-dev\nntp server 192.0.2.1\n', startedAt: new Date(), completedAt: new Date(), trigger: 'api', driver: 'ios', durationMs: 1 });
    const job = await enqueueBackup(s.ctx, { deviceId: hd.id, configId: hc.id, trigger: 'api' });
    shared.notifyChannel = (await createChannel(db, s.ctx.keyring, { name: 'nc-shared', kind: 'syslog', config: { host: '127.0.0.1', port: 9 } })).id;
    shared.notifyDelete = {};
    for (const c of CALLERS) shared.notifyDelete[c] = (await createChannel(db, s.ctx.keyring, { name: `nc-del-${c}`, kind: 'syslog', config: { host: '127.0.0.1', port: 9 } })).id;
    for (const n of ['rule-shared', ...CALLERS.map((x) => `rule-del-${x}`)]) await createRule(db, { name: n, kind: 'must_contain', match: 'line', pattern: 'ntp server 192.0.2.1' });
    for (const n of ['src-shared', ...CALLERS.map((x) => `src-del-${x}`)]) await createSource(db, s.ctx.keyring, { name: n, kind: 'csv', config: { path: '/nonexistent/netkeep-matrix.csv' } });
    const sb1 = await runSystemBackup(s.ctx, { trigger: 'cli' });
    const sb2 = await runSystemBackup(s.ctx, { trigger: 'cli', out: `${s.ctx.dataDir}/to-delete.tar.gz` });
    Object.assign(shared, { histDevice: hd.id, backupId: v1.historyId, backupId2: v2.historyId, jobId: job.jobId, systemBackupId: sb1.id, systemBackupToDelete: sb2.id });
  });
  afterAll(async () => {
    if (s) await stopBoss(s.ctx);
    await s?.close();
  });

  it('has exactly one table entry per route of the server', () => {
    const routes = s.app.netkeepRoutes.map((r) => `${r.method} ${r.url}`);
    expect(new Set(routes).size).toBe(routes.length);
    expect([...routes].sort()).toEqual(Object.keys(MATRIX).sort());
  });

  it('answers every route × role with the declared status, and audits every mutation', async () => {
    const failures: string[] = [];
    const expectedAudit: { action: string; username: string | null; result: string }[] = [];
    for (const r of s.app.netkeepRoutes) {
      const key = `${r.method} ${r.url}`;
      const row = MATRIX[key];
      if (!row) continue; // reported by the test above
      const [expected, req] = row;
      for (const c of CALLERS) {
        const o = req(c, fx[c], shared);
        const res = await s.as(c, { url: r.url, ...o, method: r.method as InjectOptions['method'] });
        if (res.statusCode !== expected[c]) failures.push(`${key} as ${c}: expected ${expected[c]}, got ${res.statusCode} ${res.body.slice(0, 200)}`);
        if (res.statusCode >= 400 && !String(res.headers['content-type']).startsWith('application/problem+json')) failures.push(`${key} as ${c}: error without problem+json`);
        if (r.action) {
          const st = expected[c];
          const result = st < 400 ? 'ok' : st === 401 || st === 403 ? 'denied' : 'failed';
          const username = r.url.endsWith('/auth/login') ? (c === 'anonymous' ? 'viewer' : c) : c === 'anonymous' ? null : c;
          expectedAudit.push({ action: r.action, username, result });
        }
      }
    }
    expect(failures).toEqual([]);
    // every mutation, download and restore made above left its row (denied attempts included)
    const rows = await s.t.db.selectFrom('audit_log').select(['action', 'username', 'result']).execute();
    const pool = rows.map((x) => `${x.action}|${x.username}|${x.result}`);
    const missing: string[] = [];
    for (const e of expectedAudit) {
      const k = `${e.action}|${e.username}|${e.result}`;
      const i = pool.indexOf(k);
      if (i < 0) missing.push(k);
      else pool.splice(i, 1);
    }
    expect(missing).toEqual([]);
    expect(expectedAudit.length).toBe(s.app.netkeepRoutes.filter((r) => r.action).length * CALLERS.length);
  });
});

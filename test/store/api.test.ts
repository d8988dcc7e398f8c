// The history routes on a real Fastify instance with a real database and blob store. The full
// server (auth hooks, audit) registers them in src/api/server.ts; here a small instance maps
// InputError to problem+json the same way, so the handlers are tested on their own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gunzipSync } from 'node:zlib';
import { readFileSync, writeFileSync } from 'node:fs';
import Fastify, { type FastifyInstance } from 'fastify';
import { storeRoutes } from '../../src/api/store-routes.ts';
import { recordBackup, recordFailure } from '../../src/backup/record.ts';
import { InputError, NetkeepError } from '../../src/errors.ts';
import { BlobStore } from '../../src/store/blobs.ts';
import { volatileFilterFor } from '../../src/store/history.ts';
import type { FsBlobBackend } from '../../src/store/backend.ts';
import { backends, freshDb, type TestDb } from '../helpers/db.ts';
import { addDevice, cleanupDirs, keyringFor, sampleConfig, tempDir } from './helpers.ts';

describe.each(backends())('history API on %s', (backend) => {
  let t: TestDb;
  let app: FastifyInstance;
  let store: BlobStore;
  let dev: string;
  const ids: string[] = [];
  const texts: string[] = [];
  let failId: string;
  beforeAll(async () => {
    t = await freshDb(backend);
    const dataDir = tempDir();
    const ctx = { db: t.db, keyring: keyringFor(dataDir), dataDir };
    store = BlobStore.forContext(ctx);
    dev = await addDevice(t.db, 'api-r1', { driver: 'ios' });
    for (let i = 0; i < 5; i++) {
      const text = `! Last configuration change at 0${i}:00:00 UTC\r\n${sampleConfig(200, i < 3 ? 0 : i, 'api-r1')}`;
      texts.push(text);
      const r = await recordBackup(ctx, { deviceId: dev, text, startedAt: new Date(Date.UTC(2026, 0, 1, i)), completedAt: new Date(Date.UTC(2026, 0, 1, i, 0, 5)), trigger: 'schedule', driver: 'ios', facts: { model: 'ISR4331' }, durationMs: 5, volatile: volatileFilterFor('ios')! });
      ids.push(r.historyId);
    }
    failId = (await recordFailure(ctx, { deviceId: dev, error: new NetkeepError('timeout', 'no answer'), startedAt: new Date(Date.UTC(2026, 0, 1, 6)), completedAt: new Date(Date.UTC(2026, 0, 1, 6, 1)), trigger: 'schedule' })).historyId;
    app = Fastify();
    app.setErrorHandler((err, _req, reply) => {
      if (err instanceof InputError) return reply.code(err.status).type('application/problem+json').send({ type: `urn:netkeep:problem:${err.code}`, title: 'Error', status: err.status, code: err.code, detail: err.message });
      const e = err as { statusCode?: number; message: string };
      return reply.code(e.statusCode ?? 500).type('application/problem+json').send({ type: 'urn:netkeep:problem:error', title: 'Error', status: e.statusCode ?? 500, code: 'error', detail: e.message });
    });
    await app.register(async (api) => storeRoutes(api, ctx, store), { prefix: '/api/v1' });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await t?.close();
    cleanupDirs();
  });

  it('lists versions newest first with flags, paginated by cursor', async () => {
    const r1 = await app.inject({ url: `/api/v1/backups/devices/api-r1/history?limit=4` });
    expect(r1.statusCode).toBe(200);
    const p1 = r1.json();
    expect(p1.total).toBe(6);
    expect(p1.items.map((i: { id: string }) => i.id)).toEqual([failId, ids[4], ids[3], ids[2]]);
    expect(p1.items[0]).toMatchObject({ status: 'failure', error_class: 'timeout', verify_status: null, verifiable: false, file_path: '' });
    expect(p1.items[1]).toMatchObject({ status: 'success', changed: true, significant: true, verifiable: true, verify_status: 'ok', metadata: { model: 'ISR4331', driver: 'ios' } });
    expect(p1.items[3]).toMatchObject({ changed: true, significant: false }); // only the clock line changed: the ios driver's volatile filter drops it
    const r2 = await app.inject({ url: `/api/v1/backups/devices/${dev}/history?limit=4&cursor=${p1.next_cursor}` });
    expect(r2.json().items.map((i: { id: string }) => i.id)).toEqual([ids[1], ids[0]]);
    expect(r2.json().next_cursor).toBeNull();
    const changes = await app.inject({ url: `/api/v1/backups/devices/${dev}/history?changes_only=true` });
    expect(changes.json().total).toBe(5);
    const latest = await app.inject({ url: `/api/v1/backups/devices/api-r1/latest` });
    expect(latest.json().id).toBe(ids[4]);
    const one = await app.inject({ url: `/api/v1/backups/history/${ids[2]}` });
    expect(one.json()).toMatchObject({ id: ids[2], backup_type: 'running-config', trigger: 'schedule' });
    expect((await app.inject({ url: `/api/v1/backups/devices/nope/history` })).json()).toMatchObject({ code: 'device_not_found' });
  });

  it('downloads byte for byte, as text or gzip', async () => {
    const r = await app.inject({ url: `/api/v1/backups/history/${ids[0]}/download` });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(r.headers['content-disposition']).toMatch(/^attachment; filename="api-r1_2026-01-01T00-00-00Z\.cfg"$/);
    expect(r.rawPayload.equals(Buffer.from(texts[0]!, 'utf8'))).toBe(true);
    const g = await app.inject({ url: `/api/v1/backups/history/${ids[0]}/download?format=gzip` });
    expect(g.headers['content-type']).toBe('application/gzip');
    expect(gunzipSync(g.rawPayload).equals(Buffer.from(texts[0]!, 'utf8'))).toBe(true);
    const f = await app.inject({ url: `/api/v1/backups/history/${failId}/download` });
    expect(f.statusCode).toBe(404);
    expect(f.json().code).toBe('no_config');
  });

  it('diffs two versions as JSON or unified text, optionally hiding volatile lines', async () => {
    const d = await app.inject({ url: `/api/v1/backups/diff?from=${ids[0]}&to=${ids[4]}` });
    expect(d.statusCode).toBe(200);
    const j = d.json();
    expect(j.identical).toBe(false);
    expect(j.unified).toContain('+snmp-server location rack-4');
    expect(j.hunks.length).toBeGreaterThan(0);
    expect(j.from.id).toBe(ids[0]);
    const quiet = await app.inject({ url: `/api/v1/backups/diff?from=${ids[0]}&to=${ids[2]}&ignore=${encodeURIComponent('^! Last configuration change')}` });
    expect(quiet.json().identical).toBe(true);
    const hv = await app.inject({ url: `/api/v1/backups/diff?from=${ids[0]}&to=${ids[2]}&hide_volatile=true` });
    expect(hv.json().identical).toBe(true); // the ios driver drops the "Last configuration change" line
    const u = await app.inject({ url: `/api/v1/backups/diff?from=${ids[0]}&to=${ids[3]}&format=unified` });
    expect(u.headers['content-type']).toMatch(/^text\/x-diff/);
    expect(u.body).toMatch(/^={10,}|^Index|^---/m);
    expect(u.body).toContain('+snmp-server location rack-3');
    const bad = await app.inject({ url: `/api/v1/backups/diff?from=${ids[0]}&to=${ids[3]}&ignore=${encodeURIComponent('(')}` });
    expect(bad.json()).toMatchObject({ status: 400, code: 'invalid_regex' });
  });

  it('never serves a version whose blob was altered: 409 blob_unverifiable, listed as unverifiable', async () => {
    const sha = (await app.inject({ url: `/api/v1/backups/history/${ids[4]}` })).json().checksum as string;
    const p = (store.backend as FsBlobBackend).pathOf(sha);
    const raw = readFileSync(p);
    raw[raw.length - 3] ^= 0x10;
    writeFileSync(p, raw);
    const r = await app.inject({ url: `/api/v1/backups/history/${ids[4]}/download` });
    expect(r.statusCode).toBe(409);
    expect(r.json().code).toBe('blob_unverifiable');
    expect(r.json().detail).toMatch(/integrity check.*Restore/);
    expect(r.body).not.toContain('hostname api-r1');
    const d = await app.inject({ url: `/api/v1/backups/diff?from=${ids[0]}&to=${ids[4]}` });
    expect(d.statusCode).toBe(409);
    const list = (await app.inject({ url: `/api/v1/backups/devices/${dev}/history?status=success&limit=1` })).json();
    expect(list.items[0]).toMatchObject({ id: ids[4], verifiable: false, verify_status: 'tampered' });
  });
});

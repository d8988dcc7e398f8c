import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { recordBackup, recordFailure } from '../../src/backup/record.ts';
import { NetkeepError } from '../../src/errors.ts';
import { BlobStore } from '../../src/store/blobs.ts';
import { FsBlobBackend } from '../../src/store/backend.ts';
import { diffVersions, getVersion, latestVersion, listVersions, readVersion } from '../../src/store/history.ts';
import { backends, freshDb, type TestDb } from '../helpers/db.ts';
import { addDevice, cleanupDirs, keyringFor, sampleConfig, tempDir } from './helpers.ts';

const at = (s: string) => new Date(s);
const volatile = (t: string) => t.replace(/^! Last configuration change at .*\n/m, '');

describe.each(backends())('recording backups on %s', (backend) => {
  let t: TestDb;
  let ctx: { db: TestDb['db']; keyring: ReturnType<typeof keyringFor>; dataDir: string };
  let store: BlobStore;
  beforeAll(async () => {
    t = await freshDb(backend);
    const dataDir = tempDir();
    ctx = { db: t.db, keyring: keyringFor(dataDir), dataDir };
    store = BlobStore.forContext(ctx);
  });
  afterAll(async () => {
    await t?.close();
    cleanupDirs();
  });

  const base = { trigger: 'schedule', driver: 'ios', durationMs: 1234.4, volatile };

  it('records versions with changed/significant flags, metadata and device state, creating the default config', async () => {
    const dev = await addDevice(t.db, 'rec-1', { protocol: 'telnet' });
    const v1 = sampleConfig(300, 0, 'rec-1');
    const r1 = await recordBackup(ctx, { ...base, deviceId: dev, text: `! Last configuration change at 10:00\n${v1}`, startedAt: at('2026-01-01T00:00:00Z'), completedAt: at('2026-01-01T00:00:05Z'), facts: { model: 'C9300', osVersion: '17.9', serial: 'FOC1' } });
    expect(r1).toMatchObject({ changed: true, significant: true, previousId: null });
    const cfg = await t.db.selectFrom('backup_configs').selectAll().where('device_id', '=', dev).execute();
    expect(cfg).toHaveLength(1);
    expect(cfg[0]).toMatchObject({ backup_type: 'running-config', protocol: 'telnet', id: r1.configId });
    // same bytes: not changed
    const r2 = await recordBackup(ctx, { ...base, deviceId: dev, text: `! Last configuration change at 10:00\n${v1}`, startedAt: at('2026-01-01T01:00:00Z'), completedAt: at('2026-01-01T01:00:05Z'), facts: {} });
    expect(r2).toMatchObject({ changed: false, significant: false, previousId: r1.historyId, sha256: r1.sha256 });
    // only the volatile line differs: changed, not significant
    const r3 = await recordBackup(ctx, { ...base, deviceId: dev, text: `! Last configuration change at 11:00\n${v1}`, startedAt: at('2026-01-01T02:00:00Z'), completedAt: at('2026-01-01T02:00:05Z'), facts: {} });
    expect(r3).toMatchObject({ changed: true, significant: false });
    // a real change
    const r4 = await recordBackup(ctx, { ...base, deviceId: dev, text: `! Last configuration change at 12:00\n${sampleConfig(300, 7, 'rec-1')}`, startedAt: at('2026-01-01T03:00:00Z'), completedAt: at('2026-01-01T03:00:05Z'), facts: {}, jobId: 'job-9' });
    expect(r4).toMatchObject({ changed: true, significant: true, previousId: r3.historyId });

    const h = await t.db.selectFrom('backup_history').selectAll().where('id', '=', r1.historyId).executeTakeFirstOrThrow();
    expect(h).toMatchObject({ status: 'success', file_path: r1.sha256, checksum: r1.sha256, file_size: Buffer.byteLength(`! Last configuration change at 10:00\n${v1}`), trigger: 'schedule', device_id: dev });
    const meta = Object.fromEntries((await t.db.selectFrom('backup_metadata').select(['key', 'value']).where('backup_id', '=', r1.historyId).execute()).map((m) => [m.key, m.value]));
    // changed / significant / trigger live in the history row's columns, not again as rows...
    expect(meta).toEqual({ driver: 'ios', os_version: '17.9', model: 'C9300', serial: 'FOC1', duration_ms: '1234' });
    // ...and the version's metadata shows them as before
    expect((await getVersion(t.db, r1.historyId)).metadata).toEqual({ driver: 'ios', os_version: '17.9', model: 'C9300', serial: 'FOC1', duration_ms: '1234', changed: 'yes', significant: 'yes', trigger: 'schedule' });
    expect((await getVersion(t.db, r3.historyId)).metadata).toMatchObject({ changed: 'yes', significant: 'no', trigger: 'schedule' });
    const d = await t.db.selectFrom('devices').selectAll().where('id', '=', dev).executeTakeFirstOrThrow();
    expect(d.last_status).toBe('success');
    expect(d.last_success_at?.toISOString()).toBe('2026-01-01T03:00:05.000Z');
    expect(d.last_change_at?.toISOString()).toBe('2026-01-01T03:00:05.000Z');

    const page = await listVersions(t.db, 'rec-1', { limit: 2 });
    expect(page.total).toBe(4);
    expect(page.items.map((i) => i.id)).toEqual([r4.historyId, r3.historyId]);
    expect(page.items[0]).toMatchObject({ changed: true, significant: true, verifiable: true, verify_status: 'ok', job_id: 'job-9' });
    const page2 = await listVersions(t.db, dev, { limit: 2, cursor: page.next_cursor! });
    expect(page2.items.map((i) => i.id)).toEqual([r2.historyId, r1.historyId]);
    expect(page2.next_cursor).toBeNull();
    const changes = await listVersions(t.db, dev, { changesOnly: true });
    expect(changes.items.map((i) => i.id)).toEqual([r4.historyId, r3.historyId, r1.historyId]);
    expect((await latestVersion(t.db, dev)).id).toBe(r4.historyId);

    const diff = await diffVersions(t.db, store, r1.historyId, r4.historyId);
    expect(diff.identical).toBe(false);
    expect(diff.unified).toContain('-! Last configuration change at 10:00');
    expect(diff.unified).toContain('+snmp-server location rack-7');
    expect(diff.added).toBe(2);
    expect(diff.removed).toBe(1);
    expect(diff.hunks.length).toBeGreaterThan(0);
    const quiet = await diffVersions(t.db, store, r1.historyId, r3.historyId, { ignore: [/^! Last configuration change/] });
    expect(quiet.identical).toBe(true);
    const filtered = await diffVersions(t.db, store, r1.historyId, r4.historyId, { filter: volatile });
    expect(filtered).toMatchObject({ added: 1, removed: 0 });
  });

  it('records failures and counts them, and a success resets the count', async () => {
    const dev = await addDevice(t.db, 'rec-fail');
    const err = new NetkeepError('auth_failed', 'the device refused user backup; check the credential profile');
    const f1 = await recordFailure(ctx, { deviceId: dev, error: err, startedAt: at('2026-02-01T00:00:00Z'), completedAt: at('2026-02-01T00:00:03Z'), trigger: 'schedule', driver: 'ios', durationMs: 3000 });
    const f2 = await recordFailure(ctx, { deviceId: dev, error: err, startedAt: at('2026-02-01T01:00:00Z'), completedAt: at('2026-02-01T01:00:03Z'), trigger: 'schedule' });
    expect(f2.consecutiveFailures).toBe(2);
    expect(f2.configId).toBe(f1.configId);
    const h = await t.db.selectFrom('backup_history').selectAll().where('id', '=', f1.historyId).executeTakeFirstOrThrow();
    expect(h).toMatchObject({ status: 'failure', file_path: '', file_size: 0, checksum: '', error_class: 'auth_failed', error_message: err.message });
    let d = await t.db.selectFrom('devices').selectAll().where('id', '=', dev).executeTakeFirstOrThrow();
    expect(d).toMatchObject({ last_status: 'failure', consecutive_failures: 2, last_error_class: 'auth_failed' });
    expect(d.failing_since?.toISOString()).toBe('2026-02-01T00:00:00.000Z');
    await expect(readVersion(t.db, store, f1.historyId)).rejects.toMatchObject({ code: 'no_config', status: 404 });
    await recordBackup(ctx, { ...base, deviceId: dev, text: 'hostname x\n', startedAt: at('2026-02-01T02:00:00Z'), completedAt: at('2026-02-01T02:00:01Z'), facts: {} });
    d = await t.db.selectFrom('devices').selectAll().where('id', '=', dev).executeTakeFirstOrThrow();
    expect(d).toMatchObject({ last_status: 'success', consecutive_failures: 0, failing_since: null, last_error: null });
  });

  it('shows a version whose blob was altered as unverifiable and never serves its bytes', async () => {
    const dev = await addDevice(t.db, 'rec-flip');
    const text = sampleConfig(120, 0, 'rec-flip');
    const r = await recordBackup(ctx, { ...base, deviceId: dev, text, startedAt: at('2026-03-01T00:00:00Z'), completedAt: at('2026-03-01T00:00:01Z'), facts: {} });
    expect((await readVersion(t.db, store, r.historyId)).text.toString()).toBe(text);
    const p = (store.backend as FsBlobBackend).pathOf(r.sha256);
    const raw = readFileSync(p);
    raw[40] ^= 0x80;
    writeFileSync(p, raw);
    await expect(readVersion(t.db, store, r.historyId)).rejects.toMatchObject({ code: 'blob_unverifiable', status: 409, message: expect.stringMatching(/integrity check/) });
    const v = await getVersion(t.db, r.historyId);
    expect(v).toMatchObject({ verifiable: false, verify_status: 'tampered' });
  });

  it('uses a given backup config, refuses one of another device, and follows its storage switches', async () => {
    const dev = await addDevice(t.db, 'rec-cfg');
    const other = await addDevice(t.db, 'rec-other');
    const cfg = await t.db.insertInto('backup_configs').values({ device_id: dev, backup_type: 'startup-config', protocol: 'ssh', compression_enabled: false, encryption_enabled: false, options: '{}' as never, updated_at: new Date() }).returning('id').executeTakeFirstOrThrow();
    const text = sampleConfig(50, 0, 'rec-cfg-plain');
    const r = await recordBackup(ctx, { ...base, deviceId: dev, configId: cfg.id, text, startedAt: new Date(), completedAt: new Date(), facts: {} });
    expect(r.configId).toBe(cfg.id);
    expect(r.blob).toMatchObject({ compression: 'none', encryption: 'none' });
    expect(readFileSync(join(ctx.dataDir, 'blobs', r.sha256.slice(0, 2), r.sha256.slice(2, 4), r.sha256)).includes(Buffer.from('hostname rec-cfg-plain'))).toBe(true);
    await expect(recordBackup(ctx, { ...base, deviceId: other, configId: cfg.id, text, startedAt: new Date(), completedAt: new Date(), facts: {} })).rejects.toMatchObject({ code: 'backup_config_mismatch' });
    await expect(recordBackup(ctx, { ...base, deviceId: '00000000-0000-4000-8000-000000000000', text, startedAt: new Date(), completedAt: new Date(), facts: {} })).rejects.toMatchObject({ code: 'device_not_found' });
  });
});

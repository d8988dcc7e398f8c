// Key rotation, verification and retention against a real database and a real blob store.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { recordBackup, recordFailure } from '../../src/backup/record.ts';
import { NetkeepError } from '../../src/errors.ts';
import { encryptSecret, decryptSecret } from '../../src/security/secrets.ts';
import { keyFilePath, loadKeyring } from '../../src/security/masterkey.ts';
import { BlobStore } from '../../src/store/blobs.ts';
import { FsBlobBackend } from '../../src/store/backend.ts';
import { keyUsage, rotateMasterKey } from '../../src/store/keys.ts';
import { applyRetention, collectBlobs, planRetention } from '../../src/store/retention.ts';
import { verifyStore } from '../../src/store/verify.ts';
import { readVersion } from '../../src/store/history.ts';
import { backends, freshDb, type TestDb } from '../helpers/db.ts';
import { addDevice, cleanupDirs, keyringFor, sampleConfig, tempDir } from './helpers.ts';

const DAY = 86_400_000;

describe.each(backends())('store maintenance on %s', (backend) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await freshDb(backend);
  });
  afterAll(async () => {
    await t?.close();
    cleanupDirs();
  });

  it('rotates the master key: every version stays readable, secrets are rewrapped, config data is not rewritten', async () => {
    const dataDir = tempDir();
    let ctx = { db: t.db, keyring: keyringFor(dataDir), dataDir };
    const oldId = ctx.keyring.current.id;
    const dev = await addDevice(t.db, 'rot-1');
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await recordBackup(ctx, { deviceId: dev, text: sampleConfig(100, i, 'rot-1'), startedAt: new Date(Date.now() - (10 - i) * 1000), completedAt: new Date(Date.now() - (10 - i) * 1000), trigger: 'manual', driver: 'ios', facts: {}, durationMs: 1 });
      ids.push(r.historyId);
    }
    const profile = await t.db.insertInto('credential_profiles').values({ name: 'rot-prof', username: 'u', password_enc: encryptSecret(ctx.keyring, 's3cret'), enable_password_enc: encryptSecret(ctx.keyring, 'en'), private_key_enc: null, passphrase_enc: null, updated_at: new Date() }).returning('id').executeTakeFirstOrThrow();
    // the other tables that hold secrets under the master key: a NetBox token, a webhook key
    const source = await t.db.insertInto('inventory_sources').values({ name: 'rot-netbox', kind: 'netbox', secrets_enc: encryptSecret(ctx.keyring, JSON.stringify({ token: 'nb-token' })) } as never).returning('id').executeTakeFirstOrThrow();
    const channel = await t.db.insertInto('notify_channels').values({ name: 'rot-hook', kind: 'webhook', secrets_enc: encryptSecret(ctx.keyring, JSON.stringify({ secret: 'hmac-key' })) } as never).returning('id').executeTakeFirstOrThrow();
    const backendFs = new FsBlobBackend(join(dataDir, 'blobs'));
    const files = new Map<string, Buffer>();
    for await (const k of backendFs.list()) files.set(k, readFileSync(backendFs.pathOf(k)));

    const report = await rotateMasterKey(ctx, backendFs, {});
    expect(report).toMatchObject({ switched: true, oldKeyId: oldId, blobs: 6, secrets: 4, failed: [] });
    const ring = loadKeyring(dataDir, {});
    expect(ring.current.id).toBe(report.newKeyId);
    expect(ring.current.id).not.toBe(oldId);
    expect(existsSync(join(dataDir, 'keys', `${oldId}.key`))).toBe(true);
    expect(readdirSync(join(dataDir, 'keys'))).toEqual([`${oldId}.key`]);
    // config data untouched, byte for byte
    for (const [k, bytes] of files) expect(readFileSync(backendFs.pathOf(k)).equals(bytes)).toBe(true);
    const usage = await keyUsage(t.db);
    expect(usage.find((u) => u.key_id === oldId)).toBeUndefined();
    expect(usage.find((u) => u.key_id === report.newKeyId)).toMatchObject({ blobs: 6, secrets: 4 });
    // readable with the new key alone: the old key is not needed any more
    const newOnly = { ...ctx, keyring: keyringFor(tempDir(), ring.current.key) };
    const store = BlobStore.forContext(newOnly);
    for (const id of ids) {
      const { text } = await readVersion(t.db, store, id);
      expect(text.toString()).toMatch(/hostname rot-1/);
    }
    const p = await t.db.selectFrom('credential_profiles').selectAll().where('id', '=', profile.id).executeTakeFirstOrThrow();
    expect(decryptSecret(newOnly.keyring, p.password_enc!)).toBe('s3cret');
    const src = await t.db.selectFrom('inventory_sources').select('secrets_enc').where('id', '=', source.id).executeTakeFirstOrThrow();
    expect(JSON.parse(decryptSecret(newOnly.keyring, src.secrets_enc!))).toEqual({ token: 'nb-token' });
    const ch = await t.db.selectFrom('notify_channels').select('secrets_enc').where('id', '=', channel.id).executeTakeFirstOrThrow();
    expect(JSON.parse(decryptSecret(newOnly.keyring, ch.secrets_enc!))).toEqual({ secret: 'hmac-key' });
    // and the old key alone no longer opens them (the rewrap really happened)
    const oldOnly = BlobStore.forContext({ ...ctx, keyring: keyringFor(tempDir(), Buffer.from(readFileSync(join(dataDir, 'keys', `${oldId}.key`), 'utf8').trim(), 'base64')) });
    await expect(oldOnly.get((await t.db.selectFrom('backup_history').select('file_path').where('id', '=', ids[0]!).executeTakeFirstOrThrow()).file_path)).rejects.toMatchObject({ status: 'key_missing' });
    // rotating again works from the new state
    ctx = { ...ctx, keyring: ring };
    const again = await rotateMasterKey(ctx, backendFs, {});
    expect(again).toMatchObject({ switched: true, blobs: 6, secrets: 4 });
    expect(readFileSync(keyFilePath(dataDir), 'utf8')).not.toContain(ring.current.key.toString('base64'));
  });

  it('refuses to rotate a key given by NETKEEP_MASTER_KEY, saying how to do it', async () => {
    const dataDir = tempDir();
    const ctx = { db: t.db, keyring: keyringFor(dataDir, Buffer.alloc(32, 7)), dataDir };
    await expect(rotateMasterKey(ctx, new FsBlobBackend(join(dataDir, 'blobs')), { NETKEEP_MASTER_KEY: 'x' })).rejects.toThrow(/NETKEEP_MASTER_KEY.*keys rewrap/);
  });

  it('verify finds missing, corrupt and tampered blobs, names the versions, and records the result', async () => {
    const dataDir = tempDir();
    const ctx = { db: t.db, keyring: keyringFor(dataDir), dataDir };
    const store = BlobStore.forContext(ctx);
    const fs = store.backend as FsBlobBackend;
    const dev = await addDevice(t.db, 'ver-1');
    const rs = [];
    for (let i = 0; i < 5; i++) {
      rs.push(await recordBackup({ ...ctx }, { deviceId: dev, text: sampleConfig(80, i, 'ver-1'), startedAt: new Date(Date.now() - 10_000 + i), completedAt: new Date(), trigger: 'manual', driver: 'ios', facts: {}, durationMs: 1, store }));
    }
    const before = await verifyStore(t.db, store);
    expect(before.problems.filter((p) => p.versions.some((v) => v.device_id === dev))).toEqual([]);
    // one flipped byte, one deleted file
    const p0 = fs.pathOf(rs[0]!.sha256);
    const raw = readFileSync(p0);
    raw[raw.length - 1] ^= 0x04;
    writeFileSync(p0, raw);
    (await import('node:fs')).unlinkSync(fs.pathOf(rs[1]!.sha256));
    const rep = await verifyStore(t.db, store);
    const mine = rep.problems.filter((p) => p.versions.some((v) => v.device_id === dev));
    expect(mine.map((p) => [p.sha256, p.status]).sort()).toEqual(
      [
        [rs[0]!.sha256, 'tampered'],
        [rs[1]!.sha256, 'missing'],
      ].sort(),
    );
    expect(mine.find((p) => p.status === 'missing')!.versions[0]).toMatchObject({ id: rs[1]!.historyId, device_name: 'ver-1' });
    const rows = await t.db.selectFrom('blobs').select(['sha256', 'verify_status', 'last_verified_at']).where('sha256', 'in', [rs[0]!.sha256, rs[2]!.sha256]).execute();
    expect(Object.fromEntries(rows.map((r) => [r.sha256, r.verify_status]))).toEqual({ [rs[0]!.sha256]: 'tampered', [rs[2]!.sha256]: 'ok' });
    expect(rows.every((r) => r.last_verified_at instanceof Date)).toBe(true);
    const sampled = await verifyStore(t.db, store, { sample: 0 });
    expect(sampled.checked).toBe(0);
  });

  it('retention keeps the newest version and the last N versions whatever their age, drops old runs and failures, collects blobs', async () => {
    const dataDir = tempDir();
    const ctx = { db: t.db, keyring: keyringFor(dataDir), dataDir };
    const store = BlobStore.forContext(ctx);
    const dev = await addDevice(t.db, 'ret-1');
    const now = new Date('2026-06-01T00:00:00Z');
    const day = (n: number) => new Date(now.getTime() - n * DAY);
    // 400 days ago → 100 days ago: versions v0..v14, each seen on 3 consecutive days (15 versions, 45 runs), all older than 30 days
    const hist: { id: string; v: number; age: number }[] = [];
    let age = 400;
    for (let v = 0; v < 15; v++) {
      for (let k = 0; k < 3; k++, age -= 2) {
        const r = await recordBackup(ctx, { deviceId: dev, text: sampleConfig(60, v + 1, 'ret-1'), startedAt: day(age), completedAt: day(age), trigger: 'schedule', driver: 'ios', facts: {}, durationMs: 1, store });
        hist.push({ id: r.historyId, v, age });
      }
    }
    const oldFail = await recordFailure(ctx, { deviceId: dev, error: new NetkeepError('timeout', 't'), startedAt: day(45), completedAt: day(45), trigger: 'schedule' });
    const newFail = await recordFailure(ctx, { deviceId: dev, error: new NetkeepError('timeout', 't'), startedAt: day(5), completedAt: day(5), trigger: 'schedule' });
    const plan = await planRetention(t.db, { now, keepVersions: 10, graceMs: 0 });
    const mine = plan.delete.filter((d) => d.device_id === dev);
    const gone = new Set(mine.map((d) => d.id));
    // kept: newest run overall (v14's last), the first run of each of the last 10 versions (v5..v14)
    const kept = hist.filter((h) => !gone.has(h.id));
    expect(kept.map((h) => h.v)).toEqual([5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 14]);
    expect(kept[kept.length - 1]!.id).toBe(hist[hist.length - 1]!.id);
    for (let v = 5; v < 15; v++) expect(kept.find((h) => h.v === v)!.id).toBe(hist.find((h) => h.v === v)!.id);
    expect(gone.has(oldFail.historyId)).toBe(true);
    expect(gone.has(newFail.historyId)).toBe(false);
    // v0..v4 blobs become unreferenced
    const shaOf = async (id: string) => (await t.db.selectFrom('backup_history').select('file_path').where('id', '=', id).executeTakeFirstOrThrow()).file_path;
    const doomed = await Promise.all([0, 1, 2, 3, 4].map((v) => shaOf(hist.find((h) => h.v === v)!.id)));
    const keptShas = await Promise.all(kept.map((h) => shaOf(h.id)));
    expect(plan.blobs.map((b) => b.sha256).filter((s) => doomed.includes(s)).sort()).toEqual([...doomed].sort());
    expect(plan.blobs.some((b) => keptShas.includes(b.sha256))).toBe(false);
    // dry run changed nothing
    expect(await t.db.selectFrom('backup_history').select('id').where('device_id', '=', dev).execute()).toHaveLength(47);

    const res = await applyRetention(t.db, store, plan, { now, graceMs: 0 });
    expect(res.deletedRows).toBe(plan.delete.length);
    expect(res.collectedBlobs).toBeGreaterThanOrEqual(5);
    const left = await t.db.selectFrom('backup_history').select('id').where('device_id', '=', dev).execute();
    expect(left).toHaveLength(12);
    for (const s of doomed) {
      expect(await store.backend.exists(s)).toBe(false);
      expect(await store.row(s)).toBeUndefined();
    }
    for (const h of kept) expect((await readVersion(t.db, store, h.id)).text.toString()).toMatch(/hostname ret-1/);
    expect(await t.db.selectFrom('backup_metadata').select('id').where('backup_id', 'in', [...gone]).execute()).toEqual([]);
    // a second pass has nothing to do
    const again = await planRetention(t.db, { now, keepVersions: 10, graceMs: 0 });
    expect(again.delete.filter((d) => d.device_id === dev)).toEqual([]);
  });

  it('retention never deletes the only version of a device however old, and a blob that is recorded again survives collection', async () => {
    const dataDir = tempDir();
    const ctx = { db: t.db, keyring: keyringFor(dataDir), dataDir };
    const store = BlobStore.forContext(ctx);
    const dev = await addDevice(t.db, 'ret-only');
    await t.db.insertInto('backup_configs').values({ device_id: dev, backup_type: 'running-config', protocol: 'ssh', retention_days: 1, options: '{"keep_versions":0}' as never, updated_at: new Date() }).execute();
    const r = await recordBackup(ctx, { deviceId: dev, text: 'hostname only\n', startedAt: new Date('2020-01-01'), completedAt: new Date('2020-01-01'), trigger: 'import', driver: 'ios', facts: {}, durationMs: 1, store });
    const plan = await planRetention(t.db, { graceMs: 0 });
    expect(plan.delete.find((d) => d.id === r.historyId)).toBeUndefined();
    expect(plan.blobs.find((b) => b.sha256 === r.sha256)).toBeUndefined();
    // an unreferenced blob collected while a backup of the same content is being recorded
    for (let i = 0; i < 5; i++) {
      const text = `hostname race-${i}\n`;
      await store.put(text);
      const [rec] = await Promise.all([
        recordBackup(ctx, { deviceId: dev, text, startedAt: new Date(), completedAt: new Date(), trigger: 'manual', driver: 'ios', facts: {}, durationMs: 1, store }),
        collectBlobs(t.db, store, { graceMs: 0 }),
      ]);
      expect((await readVersion(t.db, store, rec.historyId)).text.toString()).toBe(text);
    }
  });
});

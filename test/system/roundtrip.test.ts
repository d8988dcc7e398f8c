// system-backup → system-restore on both back-ends: devices and several versions made by the real
// backup runner against the simulator, archived, restored into an empty data directory and into
// an empty PostgreSQL database, and every version read back byte for byte. Damaged archives,
// wrong passphrases and non-empty targets fail clearly and leave nothing behind.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { AppContext } from '../../src/context.ts';
import { openContext } from '../../src/context.ts';
import { runBackup } from '../../src/backup/run.ts';
import { BlobStore } from '../../src/store/blobs.ts';
import { loadKeyring } from '../../src/security/masterkey.ts';
import { decryptSecret } from '../../src/security/secrets.ts';
import { createSystemBackup, type Manifest } from '../../src/system/archive.ts';
import { readTarGz, TarGzWriter } from '../../src/system/tar.ts';
import { restoreSystemBackup } from '../../src/system/restore.ts';
import { startFleet, type Fleet } from '../../src/sim/index.ts';
import { backends, emptyPostgresDatabase, freshDb, type TestDb } from '../helpers/db.ts';
import { cleanupDirs, seedFleet, tempDir } from '../backup/helpers.ts';

const PASSPHRASE = 'harbour lantern quiet seven';
const hasPostgres = backends().includes('postgres');

/** Every history row with its stored bytes, and per-table row counts (what must survive). */
async function snapshot(ctx: AppContext) {
  const store = BlobStore.forContext(ctx);
  const rows = await ctx.db.selectFrom('backup_history').selectAll().orderBy('id').execute();
  const versions: Record<string, string> = {};
  for (const r of rows) if (r.file_path) versions[r.id] = (await store.get(r.file_path)).toString('base64');
  const counts: Record<string, number> = {};
  for (const t of ['devices', 'credential_profiles', 'backup_configs', 'backup_history', 'backup_metadata', 'blobs', 'users', 'audit_log', 'settings']) {
    counts[t] = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.id(t)}`.execute(ctx.db)).rows[0]!.n;
  }
  const history = rows.map((r) => ({ ...r, started_at: r.started_at.toISOString(), completed_at: r.completed_at.toISOString(), created_at: r.created_at.toISOString() }));
  const devices = await ctx.db.selectFrom('devices').select(['id', 'name', 'address', 'port', 'last_status', 'last_success_at', 'options', 'tags', 'host_key']).orderBy('name').execute();
  const profile = await ctx.db.selectFrom('credential_profiles').select(['name', 'password_enc']).orderBy('name').executeTakeFirstOrThrow();
  return { versions, counts, history, devices, password: decryptSecret(ctx.keyring, profile.password_enc!) };
}

describe.each(backends())('system backup and restore, source on %s', (backend) => {
  let t: TestDb;
  let ctx: AppContext;
  let fleet: Fleet;
  let before: Awaited<ReturnType<typeof snapshot>>;
  let withKey: string;
  let withoutKey: string;
  let keyFile: string;
  // checks that do not depend on the source back-end are defined once, on the first one
  const itOnce = (backend === backends()[0] ? it : () => {}) as typeof it;

  beforeAll(async () => {
    t = await freshDb(backend);
    const dataDir = tempDir('netkeep-sysbk-src-');
    keyFile = join(dataDir, 'master.key');
    ctx = { ndb: t, db: t.db, keyring: loadKeyring(dataDir, {}), dataDir, close: async () => {} }; // a key file, as a real install has
    fleet = await startFleet({ count: 5, configLines: 120 });
    const ids = await seedFleet(t.db, ctx.keyring, fleet);
    for (let run = 1; run <= 3; run++) {
      for (const [name, id] of ids) {
        const r = await runBackup(ctx, { deviceId: id, trigger: 'manual' });
        expect(r.status, `${name} run ${run}`).toBe('success');
      }
      for (const d of fleet.devices.slice(0, 3)) d.mutate(run);
    }
    // a failure and an audit row, so that they are in the archive too
    await t.db.updateTable('devices').set({ port: 1 }).where('name', '=', 'sim00005').execute();
    expect((await runBackup(ctx, { deviceId: ids.get('sim00005')!, trigger: 'manual' })).status).toBe('failure');
    await t.db.insertInto('audit_log').values({ action: 'test.marker', result: 'ok', details: sql`'{"n":1}'::jsonb` as never }).execute();
    before = await snapshot(ctx);
    expect(Object.keys(before.versions).length).toBeGreaterThanOrEqual(15);
    expect(before.counts.blobs).toBeGreaterThanOrEqual(5 + 3 * 2); // 5 first configs, 3 devices changed twice more

    withKey = (await createSystemBackup(ctx, { out: join(tempDir('netkeep-sysbk-arch-'), 'with-key.tar.gz'), passphrase: PASSPHRASE })).path;
    withoutKey = (await createSystemBackup(ctx, { out: join(tempDir('netkeep-sysbk-arch-'), 'no-key.tar.gz') })).path;
  }, 120_000);
  afterAll(async () => {
    await fleet?.close();
    await t?.close();
    cleanupDirs();
  });

  async function check(target: AppContext) {
    const after = await snapshot(target);
    expect(after.versions).toEqual(before.versions); // every version, byte for byte
    expect(after.counts).toEqual(before.counts);
    expect(after.history).toEqual(before.history);
    expect(after.devices).toEqual(before.devices);
    expect(after.password).toBe(before.password);
    // the audit log's bigserial continues after the restored ids
    const maxId = (await sql<{ m: number }>`SELECT max(id)::int AS m FROM audit_log`.execute(target.db)).rows[0]!.m;
    const next = await target.db.insertInto('audit_log').values({ action: 'test.after', result: 'ok', details: sql`'{}'::jsonb` as never }).returning('id').executeTakeFirstOrThrow();
    expect(Number(next.id)).toBeGreaterThan(maxId);
  }

  it('restores into an empty data directory (embedded database), master key from the archive', async () => {
    const dir = join(tempDir('netkeep-sysbk-dst-'), 'data');
    const r = await restoreSystemBackup({ archive: withKey, dataDir: dir, passphrase: PASSPHRASE, env: {} });
    expect(r.masterKey).toBe('restored');
    expect(readFileSync(join(dir, 'master.key'), 'utf8')).toBe(readFileSync(keyFile, 'utf8'));
    const target = await openContext({ dataDir: dir, command: 'test', env: {} });
    try {
      expect(target.ndb.kind).toBe('pglite');
      await check(target);
    } finally {
      await target.close();
    }
  }, 120_000);

  it.runIf(hasPostgres)('restores into an empty PostgreSQL database', async () => {
    const url = await emptyPostgresDatabase();
    const dir = join(tempDir('netkeep-sysbk-dst-'), 'data');
    const r = await restoreSystemBackup({ archive: withKey, dataDir: dir, databaseUrl: url, passphrase: PASSPHRASE, env: {} });
    expect(r.database).toMatch(/PostgreSQL/);
    expect(existsSync(join(dir, 'pg'))).toBe(false);
    const target = await openContext({ dataDir: dir, databaseUrl: url, command: 'test', env: {} });
    try {
      expect(target.ndb.kind).toBe('postgres');
      await check(target);
    } finally {
      await target.close();
    }
    // a second restore into the same (now used) database is refused
    const again = join(tempDir('netkeep-sysbk-dst-'), 'data');
    await expect(restoreSystemBackup({ archive: withKey, dataDir: again, databaseUrl: url, passphrase: PASSPHRASE, env: {} })).rejects.toThrow(/already holds netkeep data/);
    expect(existsSync(again)).toBe(false);
  }, 120_000);

  itOnce('without the key in the archive: restores with --master-key-file, refuses a key of another install', async () => {
    const dir = join(tempDir('netkeep-sysbk-dst-'), 'data');
    const r = await restoreSystemBackup({ archive: withoutKey, dataDir: dir, masterKeyFile: keyFile, env: {} });
    expect(r.masterKey).toBe('from file');
    const target = await openContext({ dataDir: dir, command: 'test', env: {} });
    try {
      await check(target);
    } finally {
      await target.close();
    }
    const otherKey = join(tempDir('netkeep-sysbk-key-'), 'other.key');
    writeFileSync(otherKey, Buffer.alloc(32, 7).toString('base64'));
    const dir2 = join(tempDir('netkeep-sysbk-dst-'), 'data');
    await expect(restoreSystemBackup({ archive: withoutKey, dataDir: dir2, masterKeyFile: otherKey, env: {} })).rejects.toThrow(/not one this archive's data was encrypted with/);
    expect(existsSync(dir2)).toBe(false);
    // and with no key at all, the restore says it holds none (the CLI then names the key id to copy)
    const dir3 = join(tempDir('netkeep-sysbk-dst-'), 'data');
    const r3 = await restoreSystemBackup({ archive: withoutKey, dataDir: dir3, env: {} });
    expect(r3.masterKey).toBe('not in archive');
    expect(r3.keyIds).toContain(ctx.keyring.current.id);
    expect(existsSync(join(dir3, 'master.key'))).toBe(false);
  }, 120_000);

  itOnce('a wrong or missing passphrase fails before anything is written', async () => {
    const dir = join(tempDir('netkeep-sysbk-dst-'), 'data');
    await expect(restoreSystemBackup({ archive: withKey, dataDir: dir, passphrase: 'not the right passphrase', env: {} })).rejects.toMatchObject({
      code: 'wrong_passphrase',
      message: expect.stringMatching(/passphrase does not open the master key.*nothing was restored/),
    });
    await expect(restoreSystemBackup({ archive: withKey, dataDir: dir, env: {} })).rejects.toMatchObject({ code: 'passphrase_required' });
    expect(existsSync(dir)).toBe(false);
    expect(existsSync(join(dir, '..'))).toBe(true);
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(join(dir, '..'))).toEqual([]); // no staging directory left either
  });

  itOnce('a truncated or corrupted archive is refused with a clear error, nothing half-restored', async () => {
    const bytes = readFileSync(withKey);
    const dir = tempDir('netkeep-sysbk-bad-');
    const truncated = join(dir, 'truncated.tar.gz');
    writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    const corrupt = join(dir, 'corrupt.tar.gz');
    const c = Buffer.from(bytes);
    c[Math.floor(c.length / 2)]! ^= 0xff;
    writeFileSync(corrupt, c);
    const short = join(dir, 'short.tar.gz');
    writeFileSync(short, bytes.subarray(0, bytes.length - 9)); // only the gzip trailer is missing
    const notArchive = join(dir, 'notes.txt');
    writeFileSync(notArchive, 'hello\n');
    for (const bad of [truncated, corrupt, short, notArchive]) {
      const target = join(tempDir('netkeep-sysbk-dst-'), 'data');
      const err = await restoreSystemBackup({ archive: bad, dataDir: target, passphrase: PASSPHRASE, env: {} }).catch((e: unknown) => e as Error & { code: string });
      expect(err, bad).toMatchObject({ code: 'archive_damaged' });
      expect((err as Error).message).toMatch(/is not a usable netkeep system backup: .+ Nothing was restored/);
      expect(existsSync(target)).toBe(false);
    }
    await expect(restoreSystemBackup({ archive: join(dir, 'nope.tar.gz'), dataDir: join(dir, 'x'), env: {} })).rejects.toMatchObject({ code: 'archive_not_found' });
  });

  itOnce('an archive of an older schema is restored with it, then brought up to date; a newer one is refused', async () => {
    // rewrite the archive as an older netkeep would have made it: without migration 010 and its tables
    const dir = tempDir('netkeep-sysbk-old-');
    const entries: { name: string; data: Buffer }[] = [];
    for await (const e of readTarGz(withKey)) entries.push(e);
    const manifest = JSON.parse(entries.pop()!.data.toString()) as Manifest;
    const rewrite = async (file: string, edit: (m: Manifest) => void, keep: (name: string) => boolean) => {
      const m = structuredClone(manifest);
      edit(m);
      const w = new TarGzWriter(file);
      for (const e of entries) if (keep(e.name)) await w.add(e.name, e.data);
      m.files = Object.fromEntries(Object.entries(m.files).filter(([n]) => keep(n)));
      await w.add('manifest.json', Buffer.from(JSON.stringify(m)));
      await w.finish();
    };
    const older = join(dir, 'older.tar.gz');
    await rewrite(older, (m) => {
      m.database.migrations = m.database.migrations.filter((x) => x.version < 10);
      m.database.tables = m.database.tables.filter((x) => !x.name.startsWith('system_backup'));
    }, (n) => !n.startsWith('db/system_backup'));
    const target = join(tempDir('netkeep-sysbk-dst-'), 'data');
    await restoreSystemBackup({ archive: older, dataDir: target, passphrase: PASSPHRASE, env: {} });
    const c = await openContext({ dataDir: target, command: 'test', env: {} });
    try {
      await check(c);
      // migration 010 ran after the load: its table and seed row are there
      expect(await c.db.selectFrom('system_backup_schedule').select(['id', 'enabled']).execute()).toEqual([{ id: 1, enabled: false }]);
    } finally {
      await c.close();
    }
    const newer = join(dir, 'newer.tar.gz');
    await rewrite(newer, (m) => m.database.migrations.push({ version: 999, name: '999_from_the_future' }), () => true);
    const t2 = join(tempDir('netkeep-sysbk-dst-'), 'data');
    await expect(restoreSystemBackup({ archive: newer, dataDir: t2, passphrase: PASSPHRASE, env: {} })).rejects.toMatchObject({
      code: 'archive_too_new',
      message: expect.stringMatching(/made by a newer netkeep .*999_from_the_future.*restore it with that version of netkeep or newer/),
    });
    expect(existsSync(t2)).toBe(false);
  }, 120_000);

  itOnce('refuses a data directory that is not empty', async () => {
    const dir = tempDir('netkeep-sysbk-dst-');
    writeFileSync(join(dir, 'something'), 'x');
    await expect(restoreSystemBackup({ archive: withKey, dataDir: dir, passphrase: PASSPHRASE, env: {} })).rejects.toMatchObject({ code: 'target_not_empty' });
    expect(readFileSync(join(dir, 'something'), 'utf8')).toBe('x');
    mkdirSync(join(dir, 'empty-one'));
    // an existing empty directory is fine
    const r = await restoreSystemBackup({ archive: withKey, dataDir: join(dir, 'empty-one'), passphrase: PASSPHRASE, env: {} });
    expect(r.rows).toBeGreaterThan(0);
  }, 120_000);
});

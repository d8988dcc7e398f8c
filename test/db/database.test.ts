import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { jsonb, loadMigrations, migrate, openDatabase } from '../../src/db/index.ts';
import { backends, freshDb, type TestDb } from '../helpers/db.ts';

describe.each(backends())('database on %s', (backend) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await freshDb(backend);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('has every migration applied once, and migrating again is a no-op', async () => {
    const rows = await sql<{ version: number }>`SELECT version FROM netkeep_migrations ORDER BY version`.execute(t.db);
    expect(rows.rows.map((r) => r.version)).toEqual(loadMigrations().map((m) => m.version));
    expect(await migrate(t)).toEqual([]);
  });

  it('keeps every write of concurrent transactions', async () => {
    const group = await t.db.insertInto('device_groups').values({ name: `g-${backend}`, options: jsonb({}), updated_at: new Date() }).returning('id').executeTakeFirstOrThrow();
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        t.db.transaction().execute(async (trx) => {
          await trx
            .insertInto('devices')
            .values({ name: `r${i}`, address: `192.0.2.${i}`, driver: 'ios', group_id: group.id, tags: jsonb([`t${i}`]), options: jsonb({}), updated_at: new Date(), port: null, site: null, credential_profile_id: null, zone: null, host_key: null, host_key_pending: null, last_status: null, last_error: null, last_error_class: null })
            .execute();
          await trx.updateTable('device_groups').set({ description: sql`description || 'x'` }).where('id', '=', group.id).execute();
        }),
      ),
    );
    const count = await t.db.selectFrom('devices').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(count.n).toBe(40);
    const g = await t.db.selectFrom('device_groups').select('description').where('id', '=', group.id).executeTakeFirstOrThrow();
    expect(g.description).toBe('x'.repeat(40));
  });

  it('rolls back a failed transaction completely', async () => {
    await expect(
      t.db.transaction().execute(async (trx) => {
        await trx.insertInto('settings').values({ key: 'k1', value: jsonb(1), updated_at: new Date() }).execute();
        await trx.insertInto('settings').values({ key: 'k1', value: jsonb(2), updated_at: new Date() }).execute();
      }),
    ).rejects.toThrow();
    const rows = await t.db.selectFrom('settings').selectAll().where('key', '=', 'k1').execute();
    expect(rows).toEqual([]);
  });

  it('round-trips JSONB, timestamps and bigint counts the same way', async () => {
    const d = await t.db.selectFrom('devices').select(['tags', 'created_at', 'consecutive_failures']).where('name', '=', 'r7').executeTakeFirstOrThrow();
    expect(d.tags).toEqual(['t7']);
    expect(d.created_at).toBeInstanceOf(Date);
    const n = await sql<{ n: number }>`SELECT count(*) AS n FROM devices`.execute(t.db);
    expect(n.rows[0]!.n).toBe(40);
  });
});

describe('embedded data directory', () => {
  it('refuses a second process on the same data directory and keeps the first working', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netkeep-lock-'));
    const first = await openDatabase({ dataDir: dir, command: 'serve' });
    await expect(openDatabase({ dataDir: dir, command: 'serve' })).rejects.toThrow(/in use by netkeep serve \(pid \d+/);
    await first.db.insertInto('settings').values({ key: 'still', value: jsonb(true), updated_at: new Date() }).execute();
    await first.close();
    const again = await openDatabase({ dataDir: dir, command: 'serve' });
    const row = await again.db.selectFrom('settings').selectAll().where('key', '=', 'still').executeTakeFirst();
    expect(row?.value).toBe(true);
    await again.close();
  });

  it('creates a new directory in a child process while holding the lock, and opens an existing one in place', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netkeep-init-'));
    const fresh = await openDatabase({ dataDir: dir, command: 'serve' });
    // created by another process (initdb and the migrations), opened here, lock held by this process
    expect(fresh.initPid).toEqual(expect.any(Number));
    expect(fresh.initPid).not.toBe(process.pid);
    expect(JSON.parse(readFileSync(join(dir, 'netkeep.lock'), 'utf8')).pid).toBe(process.pid);
    expect(readdirSync(dir).sort()).toEqual(['netkeep.lock', 'pg']);
    const applied = await sql<{ version: number }>`SELECT version FROM netkeep_migrations ORDER BY version`.execute(fresh.db);
    expect(applied.rows.map((r) => r.version)).toEqual(loadMigrations().map((m) => m.version));
    await fresh.db.insertInto('settings').values({ key: 'kept', value: jsonb(1), updated_at: new Date() }).execute();
    await fresh.close();
    const existing = await openDatabase({ dataDir: dir, command: 'serve' });
    expect(existing.initPid).toBeUndefined();
    expect((await existing.db.selectFrom('settings').selectAll().where('key', '=', 'kept').executeTakeFirst())?.value).toBe(1);
    await existing.close();
  });

  it('reports why the child could not create the directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netkeep-init-bad-'));
    writeFileSync(join(dir, 'not-a-dir'), '');
    // the child is given a directory below a regular file: it cannot make it
    const r = spawnSync(process.execPath, [fileURLToPath(new URL('../../src/db/pglite-init.ts', import.meta.url)), join(dir, 'not-a-dir', 'pg'), '1'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    const last = JSON.parse(r.stderr.trim().split('\n').pop()!);
    expect(last.failureClass).toBe('storage_error');
    expect(last.message).toMatch(/not-a-dir/);
  });
});

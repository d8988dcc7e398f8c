import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
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
});

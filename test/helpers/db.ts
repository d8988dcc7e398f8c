// Gives each test suite a fresh, migrated database on every back-end the run has:
// PGlite (in memory, from the template tarball) and PostgreSQL (a new database from the template).
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { openDatabase, type NetkeepDb } from '../../src/db/index.ts';

export type BackendName = 'pglite' | 'postgres';

export function backends(): BackendName[] {
  return inject('postgresAdmin') ? ['pglite', 'postgres'] : ['pglite'];
}

export interface TestDb extends NetkeepDb {
  /** For spawning netkeep processes against the same PostgreSQL database (undefined on PGlite). */
  databaseUrl?: string;
}

export async function freshDb(backend: BackendName): Promise<TestDb> {
  if (backend === 'pglite') {
    const tar = readFileSync(inject('pgliteTemplate'));
    return openDatabase({ dataDir: '/nonexistent', pgliteLoadDataDir: new Blob([tar]), noLock: true });
  }
  const adminUrl = inject('postgresAdmin');
  if (!adminUrl) throw new Error('PostgreSQL back-end requested but not started');
  const name = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name} TEMPLATE netkeep_template`);
  await admin.end();
  const databaseUrl = adminUrl.replace(/\/postgres$/, `/${name}`);
  const ndb = await openDatabase({ dataDir: '/nonexistent', databaseUrl });
  return Object.assign(ndb, { databaseUrl });
}

/** A new, empty PostgreSQL database URL (not migrated), for tests of first start. */
export async function emptyPostgresDatabase(): Promise<string> {
  const adminUrl = inject('postgresAdmin');
  if (!adminUrl) throw new Error('PostgreSQL back-end not started');
  const name = `e_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return adminUrl.replace(/\/postgres$/, `/${name}`);
}

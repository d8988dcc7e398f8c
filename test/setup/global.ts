// Global test set-up, once per run: a migrated PGlite template (a tarball loaded by each test)
// and, when PostgreSQL's server binaries are present, a throwaway PostgreSQL cluster with a
// migrated template database. In CI the binaries must be there: the run fails without them.
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../../src/db/index.ts';
import { findPgBin, startPgCluster, type PgCluster } from './postgres.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteTemplate: string;
    postgresAdmin: string | null;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const tmp = mkdtempSync(join(tmpdir(), 'netkeep-test-'));
  // PGlite: create, migrate, dump once; tests load the dump in memory (creating costs ~3 s).
  const dataDir = join(tmp, 'pglite');
  const ndb = await openDatabase({ dataDir, command: 'test-template' });
  await ndb.close();
  const { PGlite } = await import('@electric-sql/pglite');
  const reopened = new PGlite(join(dataDir, 'pg'));
  await reopened.waitReady; // dumpDataDir before ready never settles
  const dump = await reopened.dumpDataDir('none');
  await reopened.close();
  const tarball = join(tmp, 'pglite-template.tar');
  writeFileSync(tarball, Buffer.from(await dump.arrayBuffer()));
  project.provide('pgliteTemplate', tarball);

  let cluster: PgCluster | undefined;
  const bin = findPgBin();
  if (bin) {
    cluster = await startPgCluster(bin);
    const admin = new pg.Client({ connectionString: cluster.url('postgres') });
    await admin.connect();
    await admin.query('CREATE DATABASE netkeep_template');
    await admin.end();
    const tpl = await openDatabase({ dataDir: join(tmp, 'pg-unused'), databaseUrl: cluster.url('netkeep_template') });
    await tpl.close();
    project.provide('postgresAdmin', cluster.url('postgres'));
    console.log(`[netkeep tests] database back-ends: PGlite and PostgreSQL (${bin}, port ${cluster.port})`);
  } else if (process.env.CI) {
    throw new Error('PostgreSQL server binaries not found (initdb/pg_ctl); .ci/run must install postgresql');
  } else {
    project.provide('postgresAdmin', null);
    console.log('[netkeep tests] database back-ends: PGlite only — PostgreSQL server binaries not found (apt-get install postgresql)');
  }

  return async () => {
    cluster?.stop();
    rmSync(tmp, { recursive: true, force: true });
  };
}

// Opens netkeep's system of record: PGlite in the data directory by default, or a PostgreSQL
// server when a database URL is given; runs the migrations; hands out one typed Kysely handle.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { NetkeepError, type FailureClass } from '../errors.ts';
import { lockDataDir, type DataDirLock } from '../config/lock.ts';
import { Mutex, PGliteDialect } from './pglite-dialect.ts';
import type { Database } from './schema.ts';

export type { Database } from './schema.ts';
export type Db = Kysely<Database>;

export interface OpenOptions {
  /** The data directory; PGlite lives in <dataDir>/pg unless databaseUrl is set. */
  dataDir: string;
  databaseUrl?: string;
  /** Which netkeep command holds the data directory (shown to a second process). */
  command?: string;
  /** Apply pending migrations (default true). */
  migrate?: boolean;
  /** Skip the data-directory lock (tests that open an in-memory copy). */
  noLock?: boolean;
  /** Test support: load a PGlite data directory from a tarball instead of the disk. */
  pgliteLoadDataDir?: Blob;
  /** Internal (pglite-init.ts): the PGlite directory itself, instead of <dataDir>/pg. */
  pgDir?: string;
  /** Internal (pglite-init.ts): create a new PGlite directory in this process, not in a child. */
  initInProcess?: boolean;
}

export interface NetkeepDb {
  readonly kind: 'pglite' | 'postgres';
  readonly db: Db;
  /** Where the data is, for logs and `netkeep status`: never includes a password. */
  readonly location: string;
  /** Run a multi-statement SQL script inside one transaction. */
  execScript(script: string): Promise<void>;
  /**
   * For libraries that speak to PostgreSQL themselves (pg-boss): on PGlite, the instance behind
   * the same mutex as Kysely (so their statements never interleave with a Kysely transaction);
   * on PostgreSQL, the connection URL.
   */
  readonly raw: { kind: 'pglite'; pglite: PGliteHandle } | { kind: 'postgres'; url: string };
  /**
   * Embedded only: the pid of the short-lived child process that created the data directory
   * during this open (initdb and the migrations); undefined when the directory existed.
   */
  readonly initPid?: number;
  close(): Promise<void>;
}

/** The part of PGlite other libraries use, serialized with netkeep's own queries. */
export interface PGliteHandle {
  query<T = any>(query: string, params?: unknown[]): Promise<{ rows: T[]; affectedRows?: number }>;
  exec(query: string): Promise<Array<{ rows: any[] }>>;
}

// int8 (counts, sizes, bigserial ids) as JS numbers on both backends; sizes stay below 2^53.
const INT8 = 20;

export const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function loadMigrations(): Migration[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((f) => /^\d{3}_[\w-]+\.sql$/.test(f))
    .sort()
    .map((file) => ({
      version: Number(file.slice(0, 3)),
      name: file.replace(/\.sql$/, ''),
      sql: readFileSync(new URL(file, MIGRATIONS_DIR), 'utf8'),
    }));
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return `PostgreSQL at ${u.host}${u.pathname}`;
  } catch {
    return 'PostgreSQL';
  }
}

/** A PGlite directory that PGlite would create (initdb): missing, or an empty directory. */
function needsInit(pgDir: string): boolean {
  if (existsSync(join(pgDir, 'PG_VERSION'))) return false;
  try {
    return statSync(pgDir).isDirectory() && readdirSync(pgDir).length === 0;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

/**
 * Create a new PGlite directory (initdb, and the migrations when asked) in a child process
 * (pglite-init.ts): initdb grows the WebAssembly heap to several hundred MiB, which a process
 * never gives back. The child builds it under a temporary name that is renamed into place only
 * when complete, so a crash never leaves a half-made database behind. The caller holds the
 * data-directory lock. Returns the child's pid.
 */
async function initInChild(pgDir: string, migrate: boolean): Promise<number> {
  const parent = dirname(pgDir);
  const prefix = `${basename(pgDir)}.init-`;
  // leftovers of an earlier creation that crashed (we hold the lock: nobody else is creating one)
  for (const f of readdirSync(parent)) if (f.startsWith(prefix)) rmSync(join(parent, f), { recursive: true, force: true });
  const tmp = join(parent, `${prefix}${process.pid}`);
  const child = spawn(process.execPath, [fileURLToPath(new URL('./pglite-init.ts', import.meta.url)), tmp, migrate ? '1' : '0'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => {
    stderr = (stderr + d).slice(-8192);
  });
  const fail = (failureClass: FailureClass, why: string, cause?: unknown) => {
    rmSync(tmp, { recursive: true, force: true });
    return new NetkeepError(
      failureClass,
      `could not create the embedded database in ${pgDir}: ${why}. Nothing was created; check that ${parent} is writable and has free space, then start netkeep again.`,
      undefined,
      cause === undefined ? undefined : { cause },
    );
  };
  const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once('error', (err) => reject(fail('storage_error', `the process that creates it did not start (${err.message})`, err)));
    child.once('close', (c, s) => resolve({ code: c, signal: s }));
  });
  if (code !== 0) {
    const last = stderr.trim().split('\n').pop() ?? '';
    let reported: { failureClass?: FailureClass; message?: string } | undefined;
    try {
      reported = JSON.parse(last) as typeof reported;
    } catch {
      reported = undefined;
    }
    if (reported?.message) throw fail(reported.failureClass ?? 'storage_error', reported.message);
    throw fail('storage_error', `the process that creates it ${signal ? `was killed by ${signal}` : `exited with code ${code}`}${stderr.trim() ? ` (${stderr.trim().slice(-500)})` : ''}`);
  }
  try {
    if (existsSync(pgDir)) rmdirSync(pgDir); // an empty directory (needsInit)
    renameSync(tmp, pgDir);
    const fd = openSync(parent, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    throw fail('storage_error', `moving it into place failed (${(err as Error).message})`, err);
  }
  return child.pid!;
}

async function openPglite(opts: OpenOptions): Promise<NetkeepDb> {
  let lock: DataDirLock | undefined;
  const pgDir = opts.pgDir ?? join(opts.dataDir, 'pg');
  let initPid: number | undefined;
  if (!opts.pgliteLoadDataDir) {
    mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
    if (!opts.noLock) lock = lockDataDir(opts.dataDir, opts.command ?? 'process');
    if (!opts.initInProcess && needsInit(pgDir)) {
      try {
        initPid = await initInChild(pgDir, opts.migrate !== false);
      } catch (err) {
        lock?.release();
        throw err;
      }
    }
  }
  const { PGlite } = await import('@electric-sql/pglite');
  let pglite;
  try {
    pglite = opts.pgliteLoadDataDir
      ? new PGlite({ loadDataDir: opts.pgliteLoadDataDir, parsers: { [INT8]: Number } })
      : new PGlite(pgDir, { parsers: { [INT8]: Number } });
    await pglite.waitReady;
  } catch (err) {
    lock?.release();
    throw new NetkeepError(
      'storage_error',
      `could not open the embedded database in ${pgDir}: ${(err as Error).message}. ` +
        'Check that the directory is readable and writable and not damaged; restore it from a system backup if it is.',
      undefined,
      { cause: err },
    );
  }
  const mutex = new Mutex();
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite, mutex) });
  let closed = false;
  const handle: PGliteHandle = {
    query: (text, params) => mutex.run(() => pglite.query(text, params)),
    exec: (text) => mutex.run(() => pglite.exec(text)),
  };
  return {
    kind: 'pglite',
    db,
    raw: { kind: 'pglite', pglite: handle },
    ...(initPid !== undefined ? { initPid } : {}),
    location: opts.pgliteLoadDataDir ? 'PGlite (in memory)' : `PGlite in ${pgDir}`,
    execScript: (script) =>
      mutex.run(async () => {
        await pglite.transaction(async (tx) => {
          await tx.exec(script);
        });
      }),
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
      await mutex.run(() => pglite.close());
      lock?.release();
    },
  };
}

async function openPostgres(opts: OpenOptions & { databaseUrl: string }): Promise<NetkeepDb> {
  const pool = new pg.Pool({
    connectionString: opts.databaseUrl,
    max: 10,
    connectionTimeoutMillis: 10_000,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8 ? Number : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
    },
  });
  // A client that loses its server (restart: 57P01) must not crash the process: the pool drops
  // it and the query that used it fails with a classified error; the next query reconnects.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  try {
    const client = await pool.connect();
    client.release();
  } catch (err) {
    await pool.end().catch(() => {});
    throw new NetkeepError(
      'config_error',
      `cannot connect to ${redactUrl(opts.databaseUrl)}: ${(err as Error).message}. ` +
        'Check the database URL (postgres://user:password@host:port/database), that the server runs and that it accepts this user.',
      undefined,
      { cause: err },
    );
  }
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  let closed = false;
  return {
    kind: 'postgres',
    db,
    raw: { kind: 'postgres', url: opts.databaseUrl },
    location: redactUrl(opts.databaseUrl),
    async execScript(script) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query(script);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  };
}

/** Open the database named by the options and bring its schema up to date. */
export async function openDatabase(opts: OpenOptions): Promise<NetkeepDb> {
  const ndb = opts.databaseUrl ? await openPostgres({ ...opts, databaseUrl: opts.databaseUrl }) : await openPglite(opts);
  if (opts.migrate !== false) {
    try {
      await migrate(ndb);
    } catch (err) {
      await ndb.close();
      throw err;
    }
  }
  return ndb;
}

/**
 * Apply the migrations not yet applied, each in its own transaction. Returns their names.
 * `only` limits it to those versions (system-restore: the schema an archive was made with).
 */
export async function migrate(ndb: NetkeepDb, opts: { only?: ReadonlySet<number> } = {}): Promise<string[]> {
  const { db } = ndb;
  await sql`CREATE TABLE IF NOT EXISTS netkeep_migrations (
      version INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      applied_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP)`.execute(db);
  const applied: string[] = [];
  for (const m of loadMigrations()) {
    if (opts.only && !opts.only.has(m.version)) continue;
    // The advisory lock makes concurrent starts (several workers on one PostgreSQL) take turns;
    // the check inside the same transaction makes the second one a no-op.
    const script = `
      SELECT pg_advisory_xact_lock(726157);
      DO $netkeep$ BEGIN
        IF EXISTS (SELECT 1 FROM netkeep_migrations WHERE version = ${m.version}) THEN
          RAISE EXCEPTION 'netkeep-migration-already-applied';
        END IF;
      END $netkeep$;
      ${m.sql}
      ;INSERT INTO netkeep_migrations (version, name) VALUES (${m.version}, '${m.name.replace(/'/g, "''")}');`;
    const done = await sql<{ n: number }>`SELECT count(*)::int AS n FROM netkeep_migrations WHERE version = ${m.version}`.execute(db);
    if (done.rows[0]?.n) continue;
    try {
      await ndb.execScript(script);
      applied.push(m.name);
    } catch (err) {
      if (String((err as Error).message).includes('netkeep-migration-already-applied')) continue;
      throw new NetkeepError(
        'config_error',
        `database migration ${m.name} failed: ${(err as Error).message}. Nothing of it was applied; ` +
          'check that the database user may create tables, then start netkeep again.',
        undefined,
        { cause: err },
      );
    }
  }
  return applied;
}

/** Serialize a value for a JSONB column, the same way on both backends. */
export function jsonb(value: unknown) {
  return sql<never>`CAST(CAST(${JSON.stringify(value)} AS text) AS jsonb)`;
}

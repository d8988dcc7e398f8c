// Fault-test helpers: a PostgreSQL cluster of our own (so it can be restarted), netkeep worker
// processes (real `netkeep worker` children that can be killed with SIGKILL), and queries.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { findPgBin, freePort } from '../setup/postgres.ts';
import type { Db } from '../../src/db/index.ts';
import { TEST_MASTER_KEY } from '../backup/helpers.ts';

const ROOT = join(import.meta.dirname, '..', '..');

export interface OwnCluster {
  url(db: string): string;
  restart(): void;
  stop(): void;
}

/** A throwaway cluster this test owns: it may restart it. */
export async function ownCluster(): Promise<OwnCluster> {
  const bin = findPgBin();
  if (!bin) throw new Error('PostgreSQL server binaries are missing: install postgresql (initdb, pg_ctl)');
  const dir = mkdtempSync(join(tmpdir(), 'netkeep-pgf-'));
  chmodSync(dir, 0o755);
  const data = join(dir, 'data');
  let asUser: { uid: number; gid: number } | undefined;
  if (process.getuid?.() === 0) {
    asUser = { uid: Number(execFileSync('id', ['-u', 'postgres']).toString()), gid: Number(execFileSync('id', ['-g', 'postgres']).toString()) };
    chownSync(dir, asUser.uid, asUser.gid);
  }
  const run = (cmd: string, args: string[]) =>
    asUser ? execFileSync('runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args], { stdio: 'pipe', cwd: dir }) : execFileSync(join(bin, cmd), args, { stdio: 'pipe', cwd: dir });
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const port = await freePort();
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=200`;
  run('pg_ctl', ['-D', data, '-o', opts, '-l', join(dir, 'log'), '-w', '-t', '60', 'start']);
  return {
    url: (db) => `postgres://postgres@127.0.0.1:${port}/${db}`,
    restart: () => run('pg_ctl', ['-D', data, '-o', opts, '-l', join(dir, 'log'), '-m', 'fast', '-w', '-t', '60', 'restart']),
    stop() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

export async function createDatabase(adminUrl: string, name: string): Promise<string> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
  return adminUrl.replace(/\/postgres$/, `/${name}`);
}

export interface WorkerProc {
  child: ChildProcess;
  stderr: () => string;
  /** Resolves with the exit code (or signal). */
  exited: Promise<number | string>;
  /** "stopped after N backup(s)" from a graceful stop. */
  done(): number | undefined;
}

/** A real `netkeep worker` process with its own data directory. */
export function spawnWorker(o: { databaseUrl: string; dataDir: string; blobDir: string; args?: string[] }): WorkerProc {
  const child = spawn(process.execPath, [join(ROOT, 'bin/netkeep.js'), 'worker', ...(o.databaseUrl ? ['--database-url', o.databaseUrl] : []), '--data-dir', o.dataDir, ...(o.args ?? [])], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, DATABASE_URL: '', NETKEEP_MASTER_KEY: TEST_MASTER_KEY, NETKEEP_BLOB_STORE: o.blobDir },
  });
  let err = '';
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  const exited = new Promise<number | string>((r) => child.once('exit', (code, sig) => r(code ?? sig ?? -1)));
  return {
    child,
    stderr: () => err,
    exited,
    done: () => {
      const m = /stopped after (\d+) backup/.exec(err);
      return m ? Number(m[1]) : undefined;
    },
  };
}

export async function waitFor(what: string, fn: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const t0 = Date.now();
  while (!(await fn())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function historyCount(db: Db): Promise<number> {
  return Number((await db.selectFrom('backup_history').select((e) => e.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
}

/** Per device: how many history rows. */
export async function rowsPerDevice(db: Db): Promise<Map<string, number>> {
  const r = await db.selectFrom('backup_history').select(['device_id', (e) => e.fn.countAll<number>().as('n')]).groupBy('device_id').execute();
  return new Map(r.map((x) => [x.device_id, Number(x.n)]));
}

/** pg-boss jobs of the backup queues not yet finished. */
export async function unfinishedJobs(db: Db): Promise<number> {
  const { sql } = await import('kysely');
  const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pgboss.job WHERE name LIKE 'netkeep-backup%' AND state < 'completed'`.execute(db);
  return r.rows[0]!.n;
}

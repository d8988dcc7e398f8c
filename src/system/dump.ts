// A logical dump of netkeep's tables that works on PGlite and PostgreSQL alike (no pg_dump):
// every row as row_to_json in chunks, read in one snapshot; loaded back with
// json_populate_recordset into a freshly migrated database, parents before children.
import { sql } from 'kysely';
import type { Db } from '../db/index.ts';

/** Tables not dumped: schema bookkeeping, short-lived leases and sessions, the archive list itself. */
export const NOT_DUMPED = new Set(['netkeep_migrations', 'backup_slots', 'sessions', 'system_backups']);
export const CHUNK_ROWS = 2000;

export interface TableInfo {
  name: string;
  columns: string[];
  rows: number;
  chunks: string[];
}

const ident = (name: string) => sql.id(name);

/** The tables of netkeep's schema, ordered so that every table comes after those it references. */
export async function tablesInOrder(db: Db): Promise<string[]> {
  const tables = (
    await sql<{ name: string }>`SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY c.relname`.execute(db)
  ).rows.map((r) => r.name);
  const fks = (
    await sql<{ child: string; parent: string }>`SELECT c.relname AS child, p.relname AS parent FROM pg_constraint k
      JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class p ON p.oid = k.confrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE k.contype = 'f' AND n.nspname = 'public'`.execute(db)
  ).rows;
  const deps = new Map(tables.map((t) => [t, new Set<string>()]));
  for (const f of fks) if (f.child !== f.parent) deps.get(f.child)?.add(f.parent);
  const out: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (t: string) => {
    if (state.get(t) === 'done' || state.get(t) === 'visiting') return; // a cycle: keep the order we have
    state.set(t, 'visiting');
    for (const p of deps.get(t) ?? []) visit(p);
    state.set(t, 'done');
    out.push(t);
  };
  for (const t of tables) visit(t);
  return out;
}

/** Columns that can be written (not GENERATED ... STORED), in table order. */
async function columnsOf(db: Db, table: string): Promise<string[]> {
  const r = await sql<{ name: string }>`SELECT a.attname AS name FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relname = ${table} AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
    ORDER BY a.attnum`.execute(db);
  return r.rows.map((x) => x.name);
}

export interface DumpSink {
  /** One chunk of a table: JSON lines, one row each. */
  chunk(table: string, index: number, jsonLines: Buffer): Promise<void>;
}

/**
 * Dump every table (but NOT_DUMPED) inside one REPEATABLE READ transaction, so that the dump is
 * one moment of the database. Calls onRow for the rows of `watch` tables (the blob list).
 */
export async function dumpDatabase(
  db: Db,
  sink: DumpSink,
  watch: { table: string; onRow: (row: Record<string, unknown>) => void }[] = [],
): Promise<{ tables: TableInfo[]; migrations: { version: number; name: string }[] }> {
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (trx) => {
      const migrations = (await sql<{ version: number; name: string }>`SELECT version, name FROM netkeep_migrations ORDER BY version`.execute(trx)).rows;
      const tables: TableInfo[] = [];
      for (const name of await tablesInOrder(trx)) {
        if (NOT_DUMPED.has(name)) continue;
        const columns = await columnsOf(trx, name);
        const info: TableInfo = { name, columns, rows: 0, chunks: [] };
        const cols = sql.join(columns.map((c) => ident(c)));
        const hooks = watch.filter((w) => w.table === name);
        // a cursor reads the table in chunks without OFFSET scans; ctid order is the physical order
        await sql`DECLARE netkeep_dump NO SCROLL CURSOR FOR SELECT row_to_json(x)::text AS j FROM (SELECT ${cols} FROM ${ident(name)}) x`.execute(trx);
        try {
          for (let i = 0; ; i++) {
            const batch = (await sql<{ j: string }>`FETCH ${sql.raw(String(CHUNK_ROWS))} FROM netkeep_dump`.execute(trx)).rows;
            if (batch.length === 0) break;
            for (const h of hooks) for (const r of batch) h.onRow(JSON.parse(r.j) as Record<string, unknown>);
            await sink.chunk(name, i, Buffer.from(batch.map((r) => r.j).join('\n') + '\n', 'utf8'));
            info.chunks.push(chunkName(name, i));
            info.rows += batch.length;
            if (batch.length < CHUNK_ROWS) break;
          }
        } finally {
          await sql`CLOSE netkeep_dump`.execute(trx);
        }
        tables.push(info);
      }
      return { tables, migrations };
    });
}

export function chunkName(table: string, index: number): string {
  return `db/${table}/${String(index).padStart(6, '0')}.jsonl`;
}

/** Rows that show a database is in use (seed rows a migration inserts do not count). */
export async function databaseInUse(db: Db): Promise<string | undefined> {
  const present = new Set(
    (await sql<{ name: string }>`SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r','p')`.execute(db)).rows.map((r) => r.name),
  );
  const found: string[] = [];
  for (const t of ['users', 'devices', 'backup_history']) {
    if (!present.has(t)) continue;
    const n = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${ident(t)}`.execute(db)).rows[0]!.n;
    if (n) found.push(`${n} ${t.replace('_', ' ')}`);
  }
  return found.length ? found.join(', ') : undefined;
}

/**
 * Load dumped tables into a migrated database inside the caller's transaction: empties each
 * table first (only rows migrations seeded can be there), inserts parents before children,
 * then moves every serial/identity sequence past the highest id.
 */
export async function loadTables(
  trx: Db,
  tables: TableInfo[],
  readChunk: (name: string) => Promise<Buffer>,
): Promise<{ rows: number }> {
  const order = await tablesInOrder(trx);
  const byName = new Map(tables.map((t) => [t.name, t]));
  const missing = tables.filter((t) => !order.includes(t.name)).map((t) => t.name);
  if (missing.length) throw new Error(`the database has no table ${missing.join(', ')} after its migrations`);
  const loaded = order.filter((t) => byName.has(t));
  for (const t of [...loaded].reverse()) await sql`DELETE FROM ${ident(t)}`.execute(trx);
  let rows = 0;
  for (const t of loaded) {
    const info = byName.get(t)!;
    const targetCols = new Set(await columnsOf(trx, t));
    const cols = info.columns.filter((c) => targetCols.has(c));
    const dropped = info.columns.filter((c) => !targetCols.has(c));
    if (dropped.length) throw new Error(`table ${t} has no column ${dropped.join(', ')} after its migrations`);
    const list = sql.join(cols.map((c) => ident(c)));
    for (const chunk of info.chunks) {
      const text = (await readChunk(chunk)).toString('utf8');
      const lines = text.split('\n').filter((l) => l !== '');
      const json = `[${lines.join(',')}]`;
      await sql`INSERT INTO ${ident(t)} (${list}) OVERRIDING SYSTEM VALUE
        SELECT ${list} FROM json_populate_recordset(NULL::${ident(t)}, CAST(${json} AS json))`.execute(trx);
      rows += lines.length;
    }
  }
  const seqs = (
    await sql<{ t: string; c: string; seq: string }>`SELECT c.relname AS t, a.attname AS c, pg_get_serial_sequence(quote_ident(c.relname), a.attname) AS seq
      FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r','p') AND a.attnum > 0 AND NOT a.attisdropped
        AND pg_get_serial_sequence(quote_ident(c.relname), a.attname) IS NOT NULL`.execute(trx)
  ).rows;
  for (const s of seqs) {
    if (!byName.has(s.t)) continue;
    await sql`SELECT setval(${s.seq}::regclass, COALESCE((SELECT max(${ident(s.c)}) FROM ${ident(s.t)}), 1), (SELECT count(*) > 0 FROM ${ident(s.t)}))`.execute(trx);
  }
  return { rows };
}

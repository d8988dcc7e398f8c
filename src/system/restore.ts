// Brings a system-backup archive back into an empty data directory (embedded database) or an
// empty PostgreSQL database: verify everything first, build in a staging directory, load the
// database in one transaction, and move the result into place only when all of it worked.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { loadMigrations, migrate, openDatabase, type NetkeepDb } from '../db/index.ts';
import { InputError, NetkeepError } from '../errors.ts';
import { keyId, parseKey } from '../security/masterkey.ts';
import { FsBlobBackend, type BlobBackend } from '../store/backend.ts';
import { blobBackendFromEnv } from '../store/config.ts';
import { HEADER_FILE, KEYS_FILE, MANIFEST_FILE, verifyArchive, type Manifest } from './archive.ts';
import { databaseInUse, loadTables } from './dump.ts';
import { open as openSealed } from './passphrase.ts';
import { readTarGz } from './tar.ts';

export interface RestoreOptions {
  archive: string;
  dataDir: string;
  /** Restore the database into this PostgreSQL server instead of PGlite in the data directory. */
  databaseUrl?: string;
  /** Opens the sealed master keys in the archive. */
  passphrase?: string;
  /** A master key file to put in place when the archive holds no key. */
  masterKeyFile?: string;
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

export interface RestoreResult {
  dataDir: string;
  database: string;
  tables: number;
  rows: number;
  blobs: number;
  masterKey: 'restored' | 'from file' | 'not in archive';
  keyIds: string[];
  manifest: Manifest;
}

function dirIsEmpty(dir: string): boolean {
  return !existsSync(dir) || readdirSync(dir).length === 0;
}

/** Restore an archive; on any failure nothing is left behind in the target. */
export async function restoreSystemBackup(o: RestoreOptions): Promise<RestoreResult> {
  const env = o.env ?? process.env;
  const log = o.log ?? (() => {});
  const dataDir = resolve(o.dataDir);
  const archive = resolve(o.archive);

  // 1. the whole archive checks out, and the keys open, before anything is written
  const { manifest, sealedKeys } = await verifyArchive(archive);
  log(`archive verified: ${Object.keys(manifest.files).length} files, made ${manifest.created_at} by netkeep ${manifest.netkeep_version}`);
  let keys: { current: Buffer; all: Buffer[] } | undefined;
  if (sealedKeys) {
    if (o.passphrase === undefined) {
      throw new InputError('passphrase_required', `${archive} holds the master key sealed with a passphrase; give it with --passphrase-file FILE`, 400);
    }
    const plain = JSON.parse(openSealed(sealedKeys, o.passphrase).toString('utf8')) as { current: string; keys: string[] };
    keys = { current: Buffer.from(plain.current, 'base64'), all: plain.keys.map((k) => Buffer.from(k, 'base64')) };
  } else if (o.masterKeyFile) {
    const k = parseKey(readFileSync(o.masterKeyFile, 'utf8'), o.masterKeyFile);
    keys = { current: k, all: [k] };
  }
  if (keys && !manifest.master_key.key_ids.includes(keyId(keys.current))) {
    throw new InputError(
      'wrong_master_key',
      `the master key given (id ${keyId(keys.current)}) is not one this archive's data was encrypted with (${manifest.master_key.key_ids.join(', ')}); nothing was restored — give the key file of the netkeep that made the archive`,
      400,
    );
  }
  const known = new Set(loadMigrations().map((m) => m.version));
  const unknown = manifest.database.migrations.filter((m) => !known.has(m.version));
  if (unknown.length) {
    throw new InputError('archive_too_new', `${archive} was made by a newer netkeep (${manifest.netkeep_version}, with migration ${unknown.map((m) => m.name).join(', ')}); restore it with that version of netkeep or newer`, 400);
  }

  // 2. the target is empty
  if (!dirIsEmpty(dataDir)) {
    throw new InputError('target_not_empty', `the data directory ${dataDir} is not empty; system-restore only restores into an empty or new directory (choose another --data-dir, or move that one away first)`, 409);
  }
  let pgDb: NetkeepDb | undefined;
  if (o.databaseUrl) {
    pgDb = await openDatabase({ dataDir, databaseUrl: o.databaseUrl, migrate: false, noLock: true });
    try {
      const used = await databaseInUse(pgDb.db);
      if (used) throw new InputError('target_not_empty', `the PostgreSQL database ${pgDb.location} already holds netkeep data (${used}); restore into a new empty database (createdb) instead`, 409);
    } catch (err) {
      await pgDb.close();
      throw err;
    }
  }

  // 3. build everything in a staging directory beside the target
  const staging = `${dataDir}.netkeep-restore-${randomBytes(4).toString('hex')}`;
  await mkdir(dirname(dataDir), { recursive: true });
  await mkdir(staging, { mode: 0o700 });
  const dbFiles = join(staging, '.restore-db');
  let ndb: NetkeepDb | undefined = pgDb;
  try {
    const backend: BlobBackend = (env.NETKEEP_BLOB_STORE ?? '').trim() ? blobBackendFromEnv(env, staging) : new FsBlobBackend(join(staging, 'blobs'));
    let blobs = 0;
    for await (const e of readTarGz(archive)) {
      if (e.name === MANIFEST_FILE || e.name === HEADER_FILE || e.name === KEYS_FILE) continue;
      const want = manifest.files[e.name];
      if (!want || createHash('sha256').update(e.data).digest('hex') !== want.sha256) {
        throw new InputError('archive_damaged', `${archive} changed while it was being restored ("${e.name}" no longer matches); nothing was restored`, 400);
      }
      if (e.name.startsWith('db/')) {
        const p = join(dbFiles, e.name);
        await mkdir(dirname(p), { recursive: true });
        await writeFile(p, e.data, { mode: 0o600 });
      } else if (e.name.startsWith('blobs/')) {
        await backend.put(e.name.split('/').pop()!, e.data);
        blobs++;
      }
    }
    log(`blob store: ${blobs} blobs written to ${(env.NETKEEP_BLOB_STORE ?? '').trim() ? backend.description : join(dataDir, 'blobs')}`);

    if (keys) {
      await writeFile(join(staging, 'master.key'), keys.current.toString('base64') + '\n', { mode: 0o600 });
      const retired = keys.all.filter((k) => keyId(k) !== keyId(keys.current));
      if (retired.length) {
        await mkdir(join(staging, 'keys'), { mode: 0o700 });
        for (const k of retired) await writeFile(join(staging, 'keys', `${keyId(k)}.key`), k.toString('base64') + '\n', { mode: 0o600 });
      }
    }

    // 4. the database: the archive's schema, its rows in one transaction, then newer migrations
    ndb ??= await openDatabase({ dataDir: staging, migrate: false, noLock: true });
    await migrate(ndb, { only: new Set(manifest.database.migrations.map((m) => m.version)) });
    const { rows } = await ndb.db.transaction().execute((trx) => loadTables(trx, manifest.database.tables, (name) => readFile(join(dbFiles, name))));
    const later = await migrate(ndb);
    if (later.length) log(`applied the migrations newer than the archive: ${later.join(', ')}`);
    const database = ndb.location.replace(staging, dataDir);
    await ndb.close();
    ndb = undefined;
    log(`database: ${rows} rows in ${manifest.database.tables.length} tables restored into ${database}`);

    // 5. into place
    await rm(dbFiles, { recursive: true, force: true });
    if (existsSync(dataDir)) await rmdir(dataDir);
    await rename(staging, dataDir);
    return {
      dataDir,
      database,
      tables: manifest.database.tables.length,
      rows,
      blobs,
      masterKey: sealedKeys ? 'restored' : keys ? 'from file' : 'not in archive',
      keyIds: manifest.master_key.key_ids,
      manifest,
    };
  } catch (err) {
    await ndb?.close().catch(() => {});
    await rm(staging, { recursive: true, force: true }).catch(() => {});
    if (err instanceof InputError || err instanceof NetkeepError) throw err;
    throw new NetkeepError('storage_error', `system-restore failed: ${(err as Error).message}. Nothing was restored (the database transaction was rolled back and the staging directory removed)`, undefined, { cause: err });
  }
}

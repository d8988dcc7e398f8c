// Writes a system-backup archive (database dump, blob store, settings, optionally the sealed
// master keys, and a manifest with a SHA-256 of every file) and verifies one before restoring.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { AppContext } from '../context.ts';
import { InputError, NetkeepError } from '../errors.ts';
import { keyFilePath, keyId, oldKeysDir, parseKey } from '../security/masterkey.ts';
import { blobBackendFromEnv } from '../store/config.ts';
import type { BlobBackend } from '../store/backend.ts';
import { chunkName, dumpDatabase, type TableInfo } from './dump.ts';
import { seal, type SealedBox } from './passphrase.ts';
import { ArchiveFormatError, readTarGz, TarGzWriter } from './tar.ts';

export const FORMAT = 'netkeep-system-backup';
export const FORMAT_VERSION = 1;
export const HEADER_FILE = 'netkeep-system-backup.json';
export const MANIFEST_FILE = 'manifest.json';
export const SETTINGS_FILE = 'settings.json';
export const KEYS_FILE = 'master-keys.sealed.json';

export interface Manifest {
  format: typeof FORMAT;
  format_version: number;
  created_at: string;
  netkeep_version: string;
  database: { kind: 'pglite' | 'postgres'; migrations: { version: number; name: string }[]; tables: TableInfo[] };
  blob_store: { description: string; kind: 'filesystem' | 's3'; blobs: number; bytes: number; missing: string[] };
  master_key: { included: boolean; key_ids: string[] };
  files: Record<string, { sha256: string; size: number }>;
}

export interface BackupSummary {
  path: string;
  size: number;
  sha256: string;
  manifest: Manifest;
}

/** Environment settings worth knowing at restore time (never secrets). */
const ENV_KEPT = ['NETKEEP_BLOB_STORE', 'NETKEEP_HOST', 'NETKEEP_PORT', 'NETKEEP_LOG_LEVEL', 'NETKEEP_GIT_MIRROR', 'NETKEEP_GIT_MIRROR_DIR'];

function netkeepVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

export function defaultArchiveDir(dataDir: string): string {
  return join(dataDir, 'system-backups');
}

export function archiveFileName(at = new Date()): string {
  return `netkeep-system-${at.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}.tar.gz`;
}

/** Every master key this data directory knows: the current one and the retired ones. */
function allKeys(ctx: AppContext): Buffer[] {
  const keys = new Map<string, Buffer>([[ctx.keyring.current.id, ctx.keyring.current.key]]);
  const dir = oldKeysDir(ctx.dataDir);
  if (existsSync(dir)) {
    for (const f of readdirSync(dir)) {
      if (!f.endsWith('.key')) continue;
      const k = parseKey(readFileSync(join(dir, f), 'utf8'), join(dir, f));
      keys.set(keyId(k), k);
    }
  }
  const file = keyFilePath(ctx.dataDir);
  if (ctx.keyring.source !== file && existsSync(file)) {
    const k = parseKey(readFileSync(file, 'utf8'), file);
    keys.set(keyId(k), k);
  }
  return [...keys.values()];
}

export interface CreateOptions {
  /** Archive path; default DATA_DIR/system-backups/netkeep-system-<time>.tar.gz. */
  out?: string;
  /** Put the master keys in, sealed with this passphrase. */
  passphrase?: string;
  env?: NodeJS.ProcessEnv;
  backend?: BlobBackend;
  log?: (line: string) => void;
}

/** Write an archive of netkeep's state; the file appears under its name only when complete. */
export async function createSystemBackup(ctx: AppContext, o: CreateOptions = {}): Promise<BackupSummary> {
  const env = o.env ?? process.env;
  const out = o.out ?? join(defaultArchiveDir(ctx.dataDir), archiveFileName());
  if (existsSync(out)) throw new InputError('archive_exists', `${out} already exists; choose another --out file or move the old one away`, 409);
  await mkdir(dirname(out), { recursive: true, mode: 0o700 });
  const partial = join(dirname(out), `.${basename(out)}.partial-${process.pid}-${randomBytes(3).toString('hex')}`);
  const backend = o.backend ?? blobBackendFromEnv(env, ctx.dataDir);
  const tar = new TarGzWriter(partial);
  const files: Manifest['files'] = {};
  const add = async (name: string, data: Buffer) => {
    files[name] = { sha256: createHash('sha256').update(data).digest('hex'), size: data.length };
    await tar.add(name, data);
  };
  const createdAt = new Date().toISOString();
  try {
    await add(HEADER_FILE, Buffer.from(JSON.stringify({ format: FORMAT, format_version: FORMAT_VERSION, created_at: createdAt, netkeep_version: netkeepVersion() }, null, 2) + '\n'));
    // 1. the database, one snapshot
    const blobShas: string[] = [];
    const keyIds = new Set<string>([ctx.keyring.current.id]);
    const dump = await dumpDatabase(ctx.db, { chunk: (t, i, data) => add(chunkName(t, i), data) }, [
      {
        table: 'blobs',
        onRow: (r) => {
          blobShas.push(String(r.sha256));
          if (typeof r.key_id === 'string') keyIds.add(r.key_id);
        },
      },
    ]);
    o.log?.(`database: ${dump.tables.reduce((n, t) => n + t.rows, 0)} rows in ${dump.tables.length} tables`);
    // 2. the blobs the dump names (blobs are immutable and written before their row, so all exist)
    let bytes = 0;
    const missing: string[] = [];
    for (const sha of blobShas) {
      const data = await backend.get(sha);
      if (!data) {
        missing.push(sha);
        continue;
      }
      bytes += data.length;
      await add(`blobs/${sha.slice(0, 2)}/${sha.slice(2, 4)}/${sha}`, data);
    }
    if (missing.length) o.log?.(`warning: ${missing.length} stored configs are missing from the blob store (netkeep verify lists them); the archive records them as missing`);
    o.log?.(`blob store: ${blobShas.length - missing.length} blobs, ${bytes} bytes from ${backend.description}`);
    // 3. settings: the settings table is in the dump; the environment netkeep ran with is noted here
    const settingsEnv = Object.fromEntries(ENV_KEPT.filter((k) => env[k]).map((k) => [k, env[k]!]));
    await add(SETTINGS_FILE, Buffer.from(JSON.stringify({ environment: settingsEnv, master_key_source: ctx.keyring.source === keyFilePath(ctx.dataDir) ? 'key file' : ctx.keyring.source }, null, 2) + '\n'));
    // 4. the master keys, only when asked, sealed with the passphrase
    if (o.passphrase !== undefined) {
      const keys = allKeys(ctx);
      const box = seal(Buffer.from(JSON.stringify({ current: ctx.keyring.current.key.toString('base64'), keys: keys.map((k) => k.toString('base64')) })), o.passphrase);
      await add(KEYS_FILE, Buffer.from(JSON.stringify(box, null, 2) + '\n'));
      for (const k of keys) keyIds.add(keyId(k));
    }
    const manifest: Manifest = {
      format: FORMAT,
      format_version: FORMAT_VERSION,
      created_at: createdAt,
      netkeep_version: netkeepVersion(),
      database: { kind: ctx.ndb.kind, migrations: dump.migrations, tables: dump.tables },
      blob_store: { description: backend.description, kind: backend.description.startsWith('filesystem') ? 'filesystem' : 's3', blobs: blobShas.length - missing.length, bytes, missing },
      master_key: { included: o.passphrase !== undefined, key_ids: [...keyIds].sort() },
      files,
    };
    await tar.add(MANIFEST_FILE, Buffer.from(JSON.stringify(manifest, null, 2) + '\n'));
    await tar.finish();
    await rename(partial, out);
    const size = (await stat(out)).size;
    return { path: out, size, sha256: await fileSha256(out), manifest };
  } catch (err) {
    await tar.abort();
    await rm(partial, { force: true });
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOSPC') throw new NetkeepError('storage_error', `no space left while writing ${out}; nothing was kept. Free space there or write the archive elsewhere (--out)`, undefined, { cause: err });
    throw err;
  }
}

export async function fileSha256(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

const damaged = (archive: string, why: string) =>
  new InputError('archive_damaged', `${archive} is not a usable netkeep system backup: ${why}. Nothing was restored; use another copy of the archive`, 400);

/**
 * Read the whole archive once: every entry's SHA-256 must match the manifest (the last entry),
 * and no file may be missing or extra. Returns the manifest and the sealed keys, if any.
 */
export async function verifyArchive(archive: string): Promise<{ manifest: Manifest; sealedKeys?: SealedBox }> {
  if (!existsSync(archive)) throw new InputError('archive_not_found', `there is no file ${archive}; give the path of a netkeep system-backup archive`, 404);
  const seen = new Map<string, { sha256: string; size: number }>();
  let manifest: Manifest | undefined;
  let sealed: SealedBox | undefined;
  let first = true;
  try {
    for await (const e of readTarGz(archive)) {
      if (first && e.name !== HEADER_FILE) throw damaged(archive, `it does not start with ${HEADER_FILE} (is it a netkeep system backup?)`);
      first = false;
      if (manifest) throw damaged(archive, `there is data after the manifest ("${e.name}")`);
      if (e.name === MANIFEST_FILE) {
        try {
          manifest = JSON.parse(e.data.toString('utf8')) as Manifest;
        } catch {
          throw damaged(archive, 'its manifest is not valid JSON');
        }
        continue;
      }
      if (seen.has(e.name)) throw damaged(archive, `"${e.name}" appears twice`);
      seen.set(e.name, { sha256: createHash('sha256').update(e.data).digest('hex'), size: e.data.length });
      if (e.name === KEYS_FILE) sealed = JSON.parse(e.data.toString('utf8')) as SealedBox;
    }
  } catch (err) {
    if (err instanceof ArchiveFormatError) throw damaged(archive, err.message);
    if (err instanceof InputError) throw err;
    if (err instanceof SyntaxError) throw damaged(archive, 'the sealed master key is not valid JSON');
    throw err;
  }
  if (first) throw damaged(archive, 'it is empty');
  if (!manifest) throw damaged(archive, 'it has no manifest (cut short?)');
  if (manifest.format !== FORMAT) throw damaged(archive, 'its manifest is not a netkeep system-backup manifest');
  if (manifest.format_version > FORMAT_VERSION) {
    throw new InputError('archive_too_new', `${archive} was written by netkeep ${manifest.netkeep_version} (archive format ${manifest.format_version}); this netkeep reads format ${FORMAT_VERSION}. Restore it with that netkeep version or newer`, 400);
  }
  for (const [name, want] of Object.entries(manifest.files)) {
    const got = seen.get(name);
    if (!got) throw damaged(archive, `"${name}" is listed in the manifest but missing`);
    if (got.sha256 !== want.sha256 || got.size !== want.size) throw damaged(archive, `"${name}" does not match its checksum`);
  }
  for (const name of seen.keys()) if (!manifest.files[name]) throw damaged(archive, `"${name}" is not listed in the manifest`);
  if (manifest.master_key.included && !sealed) throw damaged(archive, 'the manifest says it holds the master key, but it does not');
  return { manifest, ...(sealed ? { sealedKeys: sealed } : {}) };
}

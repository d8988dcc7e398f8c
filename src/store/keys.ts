// Master key rotation: a new key, every blob data key and every stored secret (credential profiles,
// inventory-source tokens, notification-channel secrets) rewrapped under
// it (config data is not rewritten), then the old key retired. The order makes a crash at any
// point harmless: every key that protects anything is on disk (master.key or keys/) throughout.
//   1. the new key is written to DATA_DIR/keys/ (known to every process from now on);
//   2. blob data keys and credential secrets are rewrapped under it;
//   3. only when nothing failed: the old key is retired to DATA_DIR/keys/, then master.key is
//      replaced by the new key, then the now-redundant copy of the new key in keys/ is removed.
// Interrupted? Run `netkeep keys rotate` again (or `netkeep keys rewrap`): nothing is lost.
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from '../db/index.ts';
import { NetkeepError } from '../errors.ts';
import { keyId, loadKeyring, oldKeysDir, retireKey, writeKeyFile, type Keyring, type MasterKey } from '../security/masterkey.ts';
import { rewrapSecret } from '../security/secrets.ts';
import { BlobStore } from './blobs.ts';
import type { BlobBackend } from './backend.ts';

/** Every column that holds a secret encrypted under the master key (src/security/secrets.ts). */
const SECRET_TABLES = [
  { table: 'credential_profiles', what: 'credential profile', columns: ['password_enc', 'enable_password_enc', 'private_key_enc', 'passphrase_enc'] },
  { table: 'inventory_sources', what: 'inventory source', columns: ['secrets_enc'] },
  { table: 'notify_channels', what: 'notification channel', columns: ['secrets_enc'] },
] as const;

export interface RewrapReport {
  keyId: string;
  blobs: number;
  secrets: number;
  failed: { what: string; error: string }[];
}

function withCurrent(keyring: Keyring, current: MasterKey, source: string): Keyring {
  return { current, source, get: (id) => (id === current.id ? current : keyring.get(id)) };
}

/** Rewrap everything not under the keyring's current key. */
export async function rewrapAll(db: Db, keyring: Keyring, backend: BlobBackend): Promise<RewrapReport> {
  const store = new BlobStore({ db, keyring, backend });
  const b = await store.rewrapAll();
  const failed = b.failed.map((f) => ({ what: `blob ${f.sha256}`, error: f.error }));
  let secrets = 0;
  for (const t of SECRET_TABLES) {
    const rows = (await db.selectFrom(t.table).select(['id', 'name', ...t.columns] as never[]).execute()) as unknown as Record<string, string | null>[];
    for (const row of rows) {
      for (const col of t.columns) {
        const v = row[col];
        if (!v) continue;
        try {
          const nv = rewrapSecret(keyring, v);
          if (nv === undefined) continue;
          const r = await db
            .updateTable(t.table)
            .set({ [col]: nv } as never)
            .where('id', '=', row.id as never)
            .where(col as never, '=', v as never)
            .executeTakeFirst();
          if (Number(r.numUpdatedRows)) secrets++;
        } catch (err) {
          failed.push({ what: `${t.what} ${row.name} (${col})`, error: (err as Error).message });
        }
      }
    }
  }
  return { keyId: keyring.current.id, blobs: b.rewrapped, secrets, failed };
}

export interface RotateReport extends RewrapReport {
  oldKeyId: string;
  newKeyId: string;
  /** False when something could not be rewrapped: the old key stays current; nothing is lost. */
  switched: boolean;
}

export async function rotateMasterKey(ctx: { db: Db; keyring: Keyring; dataDir: string }, backend: BlobBackend, env: NodeJS.ProcessEnv = process.env): Promise<RotateReport> {
  if (ctx.keyring.source === 'NETKEEP_MASTER_KEY' || env.NETKEEP_MASTER_KEY) {
    throw new NetkeepError(
      'config_error',
      'the master key comes from NETKEEP_MASTER_KEY, which netkeep cannot change. To rotate it: copy the current key into DATA_DIR/keys/<any name>.key, ' +
        'set NETKEEP_MASTER_KEY to a new key (openssl rand -base64 32), then run `netkeep keys rewrap`',
    );
  }
  const old = ctx.keyring.current;
  const key = randomBytes(32);
  const next: MasterKey = { id: keyId(key), key };
  // 1. the new key is known before anything uses it
  retireKey(ctx.dataDir, next);
  const ring = withCurrent(ctx.keyring, next, `${ctx.dataDir}/keys/${next.id}.key`);
  // 2. rewrap
  const r = await rewrapAll(ctx.db, ring, backend);
  if (r.failed.length) return { ...r, oldKeyId: old.id, newKeyId: next.id, switched: false };
  // 3. retire the old key, then make the new one current
  retireKey(ctx.dataDir, old);
  writeKeyFile(ctx.dataDir, key);
  const check = loadKeyring(ctx.dataDir, {});
  if (check.current.id !== next.id || !check.get(old.id)) {
    throw new NetkeepError('storage_error', `after rotation the key file does not hold key ${next.id} or the old key ${old.id} is not in ${oldKeysDir(ctx.dataDir)}; do not delete anything there and report this`);
  }
  rmSync(join(oldKeysDir(ctx.dataDir), `${next.id}.key`), { force: true });
  const fd = openSync(oldKeysDir(ctx.dataDir), 'r');
  fsyncSync(fd);
  closeSync(fd);
  return { ...r, oldKeyId: old.id, newKeyId: next.id, switched: true };
}

/** How many blobs and secrets each master key protects. */
export async function keyUsage(db: Db): Promise<{ key_id: string; blobs: number; secrets: number }[]> {
  const m = new Map<string, { key_id: string; blobs: number; secrets: number }>();
  const get = (id: string) => m.get(id) ?? m.set(id, { key_id: id, blobs: 0, secrets: 0 }).get(id)!;
  const rows = await db.selectFrom('blobs').select(['wrapped_key']).where('wrapped_key', 'is not', null).execute();
  for (const r of rows) get(r.wrapped_key!.split(':')[1] ?? '?').blobs++;
  for (const t of SECRET_TABLES) {
    const rows = (await db.selectFrom(t.table).select([...t.columns] as never[]).execute()) as unknown as Record<string, string | null>[];
    for (const row of rows) for (const c of t.columns) if (row[c]) get(row[c]!.split(':')[1] ?? '?').secrets++;
  }
  return [...m.values()].sort((a, b) => a.key_id.localeCompare(b.key_id));
}

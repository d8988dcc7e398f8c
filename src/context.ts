// What every long-lived netkeep process carries: its database, master keys and data directory.
import { resolve } from 'node:path';
import { openDatabase, type Db, type NetkeepDb } from './db/index.ts';
import { loadKeyring, type Keyring } from './security/masterkey.ts';

export interface AppContext {
  readonly ndb: NetkeepDb;
  readonly db: Db;
  readonly keyring: Keyring;
  readonly dataDir: string;
  close(): Promise<void>;
}

export interface ContextOptions {
  dataDir?: string;
  databaseUrl?: string;
  command: string;
  env?: NodeJS.ProcessEnv;
}

/** Where the data lives: --data-dir, else NETKEEP_DATA_DIR, else ./data. */
export function resolveDataDir(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(flag ?? env.NETKEEP_DATA_DIR ?? './data');
}

export function resolveDatabaseUrl(flag?: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return flag ?? (env.DATABASE_URL || undefined);
}

export async function openContext(opts: ContextOptions): Promise<AppContext> {
  const env = opts.env ?? process.env;
  const dataDir = resolveDataDir(opts.dataDir, env);
  const databaseUrl = resolveDatabaseUrl(opts.databaseUrl, env);
  const ndb = await openDatabase({ dataDir, databaseUrl, command: opts.command });
  let keyring: Keyring;
  try {
    keyring = loadKeyring(dataDir, env);
  } catch (err) {
    await ndb.close();
    throw err;
  }
  return { ndb, db: ndb.db, keyring, dataDir, close: () => ndb.close() };
}

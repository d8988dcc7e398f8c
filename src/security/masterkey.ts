// The master key: from NETKEEP_MASTER_KEY, or a key file created 0600 in the data directory on
// first start. It encrypts credential secrets and wraps the data keys of stored configs.
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { NetkeepError } from '../errors.ts';

export interface MasterKey {
  /** Short stable id kept beside everything the key protects: first 16 hex chars of SHA-256(key). */
  readonly id: string;
  readonly key: Buffer;
}

export interface Keyring {
  readonly current: MasterKey;
  /** Every key known, current included, by id (older keys stay until nothing uses them). */
  get(id: string): MasterKey | undefined;
  readonly source: string;
}

export function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

/** Parse a key given as 64 hex characters or as base64 of 32 bytes. */
export function parseKey(text: string, where: string): Buffer {
  const t = text.trim();
  const buf = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64');
  if (buf.length !== 32) {
    throw new NetkeepError(
      'config_error',
      `the master key in ${where} is not 32 bytes (give 64 hex characters or base64 of 32 random bytes, e.g. from "openssl rand -base64 32")`,
    );
  }
  return buf;
}

export function keyFilePath(dataDir: string): string {
  return join(dataDir, 'master.key');
}

/** Directory where retired keys are kept (until `netkeep keys rotate` has rewrapped everything). */
export function oldKeysDir(dataDir: string): string {
  return join(dataDir, 'keys');
}

function writeSecretFile(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, content, { mode: 0o600, flag: 'wx' });
  const fd = openSync(tmp, 'r');
  fsyncSync(fd);
  closeSync(fd);
  renameSync(tmp, path);
  const dfd = openSync(dirname(path), 'r');
  fsyncSync(dfd);
  closeSync(dfd);
}

/**
 * Load the keyring for a data directory. With NETKEEP_MASTER_KEY set, that key is current;
 * otherwise the key file is read, or created with a new random key when it does not exist.
 */
export function loadKeyring(dataDir: string, env: NodeJS.ProcessEnv = process.env): Keyring {
  const keys = new Map<string, MasterKey>();
  let current: MasterKey;
  let source: string;
  const fromEnv = env.NETKEEP_MASTER_KEY;
  const file = keyFilePath(dataDir);
  if (fromEnv) {
    const key = parseKey(fromEnv, 'NETKEEP_MASTER_KEY');
    current = { id: keyId(key), key };
    source = 'NETKEEP_MASTER_KEY';
  } else {
    if (!existsSync(file)) {
      writeSecretFile(file, randomBytes(32).toString('base64') + '\n');
    }
    const mode = statSync(file).mode & 0o777;
    if (mode & 0o077) chmodSync(file, 0o600);
    const key = parseKey(readFileSync(file, 'utf8'), file);
    current = { id: keyId(key), key };
    source = file;
  }
  keys.set(current.id, current);
  const old = oldKeysDir(dataDir);
  if (existsSync(old)) {
    for (const name of readdirSafe(old)) {
      if (!name.endsWith('.key')) continue;
      const key = parseKey(readFileSync(join(old, name), 'utf8'), join(old, name));
      keys.set(keyId(key), { id: keyId(key), key });
    }
  }
  return { current, get: (id) => keys.get(id), source };
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Write a retired key next to the data so that data it still protects stays readable. */
export function retireKey(dataDir: string, key: MasterKey): void {
  const path = join(oldKeysDir(dataDir), `${key.id}.key`);
  if (!existsSync(path)) writeSecretFile(path, key.key.toString('base64') + '\n');
}

/** Replace the key file with a new key (used by `netkeep keys rotate`). */
export function writeKeyFile(dataDir: string, key: Buffer): void {
  const file = keyFilePath(dataDir);
  const tmp = `${file}.new-${process.pid}`;
  writeSecretFile(tmp, key.toString('base64') + '\n');
  renameSync(tmp, file);
}

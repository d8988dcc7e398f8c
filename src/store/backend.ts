// Where blob bytes live. A backend knows bytes and names, never formats or keys: the BlobStore
// above it encodes, encrypts and verifies. The filesystem backend writes every blob to a
// temporary name, fsyncs it, renames it into place and fsyncs the directory, so a reader sees
// either the whole blob or nothing. An S3 backend (later) gets the same atomicity from PUT.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { NetkeepError } from '../errors.ts';

export interface BlobBackend {
  /** Human description for messages ("filesystem at /data/blobs"). */
  readonly description: string;
  /** Store bytes under a key atomically (all or nothing), replacing what was there. Durable on return. */
  put(key: string, bytes: Buffer): Promise<void>;
  /** The bytes, or undefined when there is no blob under that key. */
  get(key: string): Promise<Buffer | undefined>;
  exists(key: string): Promise<boolean>;
  /** Remove a blob; removing a missing blob is not an error. */
  delete(key: string): Promise<void>;
  /** Every key stored (for verification and garbage collection). */
  list(): AsyncIterable<string>;
  /** Bytes the blob takes (stored form), or undefined when missing. */
  size(key: string): Promise<number | undefined>;
}

const KEY_RE = /^[0-9a-f]{64}$/;

export function checkKey(key: string): void {
  if (!KEY_RE.test(key)) throw new NetkeepError('internal', `"${key}" is not a blob key (64 lower-case hex characters of a SHA-256)`);
}

function fsError(err: unknown, what: string, root: string): NetkeepError {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ENOSPC' || e?.code === 'EDQUOT') {
    return new NetkeepError(
      'storage_error',
      `no space left in the blob store (${root}) while ${what}; nothing was half-written and nothing already stored was touched. Free space on that file system, then run the backup again`,
      { code: e.code },
      { cause: err },
    );
  }
  if (e?.code === 'EACCES' || e?.code === 'EPERM' || e?.code === 'EROFS') {
    return new NetkeepError('storage_error', `the blob store ${root} is not writable (${e.code}) while ${what}; give the netkeep user write access to it`, { code: e.code }, { cause: err });
  }
  return new NetkeepError('storage_error', `blob store ${root}: ${what} failed: ${e?.message ?? String(err)}`, { code: e?.code }, { cause: err });
}

/** Blobs as files: <root>/ab/cd/<sha256>. Temporary files are <root>/tmp/<key>.<random>. */
export class FsBlobBackend implements BlobBackend {
  readonly root: string;
  readonly description: string;

  constructor(root: string) {
    this.root = root;
    this.description = `filesystem at ${root}`;
  }

  pathOf(key: string): string {
    checkKey(key);
    return join(this.root, key.slice(0, 2), key.slice(2, 4), key);
  }

  async put(key: string, bytes: Buffer): Promise<void> {
    const final = this.pathOf(key);
    const dir = join(this.root, key.slice(0, 2), key.slice(2, 4));
    const tmpDir = join(this.root, 'tmp');
    const tmp = join(tmpDir, `${key}.${process.pid}.${randomBytes(4).toString('hex')}`);
    try {
      await this.ensureDir(tmpDir);
      await this.ensureDir(dir);
      let fh;
      try {
        fh = await open(tmp, 'wx', 0o600);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        this.dirs.clear(); // a directory was removed under us (a restore, a clean-up): make it again
        await this.ensureDir(tmpDir);
        fh = await open(tmp, 'wx', 0o600);
      }
      try {
        await fh.writeFile(bytes);
        await fh.sync();
      } finally {
        await fh.close();
      }
      try {
        await rename(tmp, final);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        this.dirs.clear();
        await this.ensureDir(dir);
        await rename(tmp, final);
      }
      // The directory entry is made durable off the JavaScript thread (a synchronous fsync
      // would stall every session and query of the process for the disk's flush time).
      await fsyncDir(dir);
    } catch (err) {
      await unlink(tmp).catch(() => {});
      throw fsError(err, `writing blob ${key}`, this.root);
    }
  }

  /** Directories known to exist: a fleet's blobs share 65,536 of them, so each is made once per process. */
  private readonly dirs = new Set<string>();

  private async ensureDir(dir: string): Promise<void> {
    if (this.dirs.has(dir)) return;
    await mkdir(dir, { recursive: true, mode: 0o700 });
    if (this.dirs.size > 100_000) this.dirs.clear();
    this.dirs.add(dir);
  }

  async get(key: string): Promise<Buffer | undefined> {
    try {
      // Configs are small (KBs): a synchronous read costs microseconds and skips the libuv
      // thread-pool round trip that dominates the tail latency of a fetch.
      return readFileSync(this.pathOf(key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw fsError(err, `reading blob ${key}`, this.root);
    }
  }

  async exists(key: string): Promise<boolean> {
    return (await this.size(key)) !== undefined;
  }

  async size(key: string): Promise<number | undefined> {
    try {
      return (await stat(this.pathOf(key))).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw fsError(err, `reading blob ${key}`, this.root);
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await rm(this.pathOf(key), { force: true });
    } catch (err) {
      throw fsError(err, `deleting blob ${key}`, this.root);
    }
  }

  async *list(): AsyncIterable<string> {
    for (const a of await readdirOrEmpty(this.root)) {
      if (!/^[0-9a-f]{2}$/.test(a)) continue;
      for (const b of await readdirOrEmpty(join(this.root, a))) {
        if (!/^[0-9a-f]{2}$/.test(b)) continue;
        for (const name of await readdirOrEmpty(join(this.root, a, b))) {
          if (KEY_RE.test(name) && name.startsWith(a + b)) yield name;
        }
      }
    }
  }

  /** Remove temporary files left by a crash (older than minAgeMs, so live writers keep theirs). */
  async cleanTemp(minAgeMs = 3_600_000): Promise<number> {
    let n = 0;
    const tmpDir = join(this.root, 'tmp');
    for (const name of await readdirOrEmpty(tmpDir)) {
      const p = join(tmpDir, name);
      try {
        const st = await stat(p);
        if (Date.now() - st.mtimeMs >= minAgeMs) {
          await unlink(p);
          n++;
        }
      } catch {
        /* gone already */
      }
    }
    return n;
  }
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

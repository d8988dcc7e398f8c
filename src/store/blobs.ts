// The content-addressed config store. A blob is named by the SHA-256 of the exact bytes of the
// config text (the session engine's output is the normalized form: the store never changes a
// byte, so a download is byte-exact). Stored once; optionally zstd-compressed; optionally
// AES-256-GCM-encrypted under a random per-blob data key that is wrapped by the master key and
// kept in the `blobs` row (so a key rotation rewrites rows, never config data). Every write is
// read back and verified before put() returns; every read is verified before get() returns.
//
// Stored form (all integers big-endian):
//   "NKB1" | flags (1 byte: 1 = zstd, 2 = aes-256-gcm) | [iv (12) | tag (16)] | payload
// The GCM additional data is "NKB1" | flags | sha256-hex, which binds the bytes to their name.
// The header, not the row, says how a file is encoded: a row may know a data key before the file
// that uses it is in place (see put), never the other way round.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { constants as zc, zstdCompressSync, zstdDecompressSync } from 'node:zlib';
import { sql } from 'kysely';
import type { Db } from '../db/index.ts';
import { NetkeepError } from '../errors.ts';
import type { Keyring } from '../security/masterkey.ts';
import { decryptSecret, encryptSecret } from '../security/secrets.ts';
import { FsBlobBackend, type BlobBackend } from './backend.ts';
import { blobBackendFromEnv } from './config.ts';

const MAGIC = Buffer.from('NKB1', 'ascii');
const F_ZSTD = 1;
const F_GCM = 2;
const ZSTD_LEVEL = 9;

export type VerifyStatus = 'ok' | 'missing' | 'corrupt' | 'tampered' | 'key_missing';

export interface PutOptions {
  /** zstd-compress (default true). */
  compress?: boolean;
  /** AES-256-GCM-encrypt (default true). */
  encrypt?: boolean;
}

export interface PutResult {
  /** The blob key: SHA-256 (hex) of the config bytes; also the history row's file_path and checksum. */
  sha256: string;
  size: number;
  storedSize: number;
  /** False when an identical, verified blob was already stored. */
  created: boolean;
  compression: 'none' | 'zstd';
  encryption: 'none' | 'aes-256-gcm';
}

export interface BlobRow {
  sha256: string;
  size: number;
  stored_size: number;
  compression: 'none' | 'zstd';
  encryption: 'none' | 'aes-256-gcm';
  key_id: string | null;
  wrapped_key: string | null;
  verify_status: string;
}

export interface VerifyResult {
  sha256: string;
  status: VerifyStatus;
  /** What is wrong and what to do; undefined when ok. */
  error?: string;
}

export function sha256Hex(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

const ZSTD_PARAMS = { params: { [zc.ZSTD_c_compressionLevel]: ZSTD_LEVEL, [zc.ZSTD_c_checksumFlag]: 1 } };

/**
 * A config text already hashed and zstd-compressed (the stored form's payload) by another thread
 * — the fetch thread, so that the thread owning the database does not spend ~1 ms of zstd per new
 * config. putMany uses it only when its SHA-256 is that of the bytes it stores; the written blob
 * is still read back, decompressed and hashed on the storing side before anything points at it.
 */
export interface PackedConfig {
  sha256: string;
  zstd: Uint8Array;
}

export function packConfig(text: string): PackedConfig {
  const bytes = Buffer.from(text, 'utf8');
  return { sha256: sha256Hex(bytes), zstd: zstdCompressSync(bytes, ZSTD_PARAMS) };
}

/** A blob that failed verification: never served. `status` says how it failed. */
export class BlobError extends NetkeepError {
  readonly status: Exclude<VerifyStatus, 'ok'>;
  readonly sha256: string;
  constructor(status: Exclude<VerifyStatus, 'ok'>, sha: string, message: string, options?: { cause?: unknown }) {
    super('storage_error', message, { blob: sha, verify_status: status }, options);
    this.status = status;
    this.sha256 = sha;
  }
}

interface Form {
  compress: boolean;
  encrypt: boolean;
}

function encode(bytes: Buffer, sha: string, form: Form, dataKey: Buffer | undefined, packed?: PackedConfig): Buffer {
  const flags = (form.compress ? F_ZSTD : 0) | (form.encrypt ? F_GCM : 0);
  const head = Buffer.concat([MAGIC, Buffer.from([flags])]);
  const payload = form.compress ? (packed && packed.sha256 === sha ? Buffer.from(packed.zstd.buffer, packed.zstd.byteOffset, packed.zstd.byteLength) : zstdCompressSync(bytes, ZSTD_PARAMS)) : bytes;
  if (!form.encrypt) return Buffer.concat([head, payload]);
  if (!dataKey) throw new NetkeepError('internal', 'encrypting a blob without a data key');
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', dataKey, iv);
  cipher.setAAD(Buffer.concat([head, Buffer.from(sha, 'ascii')]));
  const ct = Buffer.concat([cipher.update(payload), cipher.final()]);
  return Buffer.concat([head, iv, cipher.getAuthTag(), ct]);
}

/** Decode a stored blob; throws BlobError when anything does not check out. */
function decode(stored: Buffer, sha: string, dataKey: () => Buffer, maxSize: number): { bytes: Buffer; form: Form } {
  const corrupt = (why: string, cause?: unknown) =>
    new BlobError(
      'corrupt',
      sha,
      `blob ${sha} is corrupt (${why}); its bytes are not served. Restore the file from a system backup of the data directory; the next backup of an identical config also repairs it`,
      { cause },
    );
  if (stored.length < 5 || !stored.subarray(0, 4).equals(MAGIC)) throw corrupt('not a netkeep blob: bad header');
  const flags = stored[4]!;
  if (flags & ~(F_ZSTD | F_GCM)) throw corrupt(`unknown flags ${flags}`);
  const form = { compress: (flags & F_ZSTD) !== 0, encrypt: (flags & F_GCM) !== 0 };
  let payload = stored.subarray(5);
  if (form.encrypt) {
    if (stored.length < 5 + 28) throw corrupt('truncated');
    const key = dataKey();
    const iv = stored.subarray(5, 17);
    const tag = stored.subarray(17, 33);
    try {
      const d = createDecipheriv('aes-256-gcm', key, iv);
      d.setAAD(Buffer.concat([stored.subarray(0, 5), Buffer.from(sha, 'ascii')]));
      d.setAuthTag(tag);
      payload = Buffer.concat([d.update(stored.subarray(33)), d.final()]);
    } catch (err) {
      throw new BlobError(
        'tampered',
        sha,
        `blob ${sha} failed its integrity check (AES-GCM authentication): the file was altered or truncated on disk; its bytes are not served. Restore it from a system backup of the data directory`,
        { cause: err },
      );
    }
  }
  let bytes: Buffer;
  if (form.compress) {
    try {
      bytes = zstdDecompressSync(payload, { maxOutputLength: Math.max(maxSize, 1) });
    } catch (err) {
      throw corrupt(`zstd: ${(err as Error).message}`, err);
    }
  } else {
    bytes = Buffer.from(payload);
  }
  if (sha256Hex(bytes) !== sha) {
    throw new BlobError(
      form.encrypt ? 'tampered' : 'corrupt',
      sha,
      `blob ${sha} does not match its SHA-256 (the content changed on disk); its bytes are not served. Restore it from a system backup of the data directory`,
    );
  }
  return { bytes, form };
}

export interface BlobStoreOptions {
  db: Db;
  keyring: Keyring;
  backend: BlobBackend;
}

export class BlobStore {
  readonly db: Db;
  readonly keyring: Keyring;
  readonly backend: BlobBackend;

  constructor(o: BlobStoreOptions) {
    this.db = o.db;
    this.keyring = o.keyring;
    this.backend = o.backend;
  }

  /** The store of a data directory: blobs under <dataDir>/blobs. */
  static forContext(ctx: { db: Db; keyring: Keyring; dataDir: string }): BlobStore {
    return new BlobStore({ db: ctx.db, keyring: ctx.keyring, backend: blobBackendFromEnv(process.env, ctx.dataDir) });
  }

  async row(sha: string, db: Db = this.db): Promise<BlobRow | undefined> {
    return (await db.selectFrom('blobs').select(['sha256', 'size', 'stored_size', 'compression', 'encryption', 'key_id', 'wrapped_key', 'verify_status']).where('sha256', '=', sha).executeTakeFirst()) as
      | BlobRow
      | undefined;
  }

  private unwrap(sha: string, row: Pick<BlobRow, 'key_id' | 'wrapped_key'>): Buffer {
    if (!row.wrapped_key) {
      throw new BlobError('corrupt', sha, `blob ${sha} is encrypted but its database row has no data key; its bytes cannot be read. Restore the database and the blob store from the same system backup`);
    }
    const id = row.wrapped_key.split(':')[1] ?? row.key_id ?? '?';
    if (!this.keyring.get(id)) {
      throw new BlobError(
        'key_missing',
        sha,
        `blob ${sha} is encrypted under master key ${id}, which this netkeep does not have (its current key is ${this.keyring.current.id}, from ${this.keyring.source}); ` +
          'start netkeep with the master key the data was written with (NETKEEP_MASTER_KEY or DATA_DIR/master.key), or put that key in DATA_DIR/keys/',
      );
    }
    let b64: string;
    try {
      b64 = decryptSecret(this.keyring, row.wrapped_key);
    } catch (err) {
      throw new BlobError('tampered', sha, `the data key of blob ${sha} failed its integrity check under master key ${id}: the database row was altered; restore it from a database backup`, { cause: err });
    }
    const key = Buffer.from(b64, 'base64');
    if (key.length !== 32) throw new BlobError('tampered', sha, `the data key of blob ${sha} is not 32 bytes: the database row was altered; restore it from a database backup`);
    return key;
  }

  /** Read and verify; never returns bytes that do not hash to sha. */
  /** `dataKey`: the key in hand when this process just wrapped it into the row (saves unwrapping it again). */
  private async readVerified(sha: string, row: BlobRow | undefined, dataKey?: Buffer): Promise<{ bytes: Buffer; form: Form; storedSize: number }> {
    const stored = await this.backend.get(sha);
    if (!stored) {
      throw new BlobError(
        'missing',
        sha,
        `blob ${sha} is missing from the blob store (${this.backend.description}); its version cannot be served. Restore the blob store from a system backup; \`netkeep verify\` lists every affected version`,
      );
    }
    let key: Buffer | undefined = dataKey;
    const { bytes, form } = decode(
      stored,
      sha,
      () => {
        if (!row) throw new BlobError('corrupt', sha, `blob ${sha} is encrypted but has no database row, so its data key is unknown; restore the database and the blob store from the same system backup`);
        return (key ??= this.unwrap(sha, row));
      },
      row ? Math.max(row.size, 1) : 256 * 1024 * 1024,
    );
    return { bytes, form, storedSize: stored.length };
  }

  /**
   * Store config bytes (a string is stored as UTF-8). Identical content is stored once: when a
   * verified blob exists already, nothing is written unless the request asks for compression or
   * encryption the stored form lacks (then it is rewritten in the stronger form). A blob that
   * exists but fails verification is rewritten (healed). Returns only after the stored bytes
   * were read back, decoded and hashed to the same SHA-256.
   */
  async put(content: string | Buffer, opts: PutOptions = {}): Promise<PutResult> {
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    const sha = sha256Hex(bytes);
    const want: Form = { compress: opts.compress !== false, encrypt: opts.encrypt !== false };
    let row = await this.row(sha);
    let target = want;
    if (row) {
      try {
        const cur = await this.readVerified(sha, row);
        if ((!want.compress || cur.form.compress) && (!want.encrypt || cur.form.encrypt)) {
          if (row.verify_status !== 'ok' || row.stored_size !== cur.storedSize) await this.mark(sha, 'ok', undefined, cur);
          return { sha256: sha, size: bytes.length, storedSize: cur.storedSize, created: false, ...formNames(cur.form) };
        }
        target = { compress: want.compress || cur.form.compress, encrypt: want.encrypt || cur.form.encrypt };
      } catch (err) {
        if (!(err instanceof BlobError)) throw err;
        // Unreadable: rewrite it from the bytes in hand (they hash to its name).
      }
    } else {
      const dk = target.encrypt ? randomBytes(32) : undefined;
      const wrapped = dk ? encryptSecret(this.keyring, dk.toString('base64')) : null;
      // The row goes first, with the data key: two writers of the same new content then share
      // one key, and a crash leaves a row without a file (healed by the next put, collected
      // when unreferenced), never a file whose key is lost.
      await this.db
        .insertInto('blobs')
        .values({
          sha256: sha,
          size: bytes.length,
          stored_size: 0,
          compression: target.compress ? 'zstd' : 'none',
          encryption: target.encrypt ? 'aes-256-gcm' : 'none',
          key_id: dk ? this.keyring.current.id : null,
          wrapped_key: wrapped,
          verify_status: 'missing',
        })
        .onConflict((oc) => oc.column('sha256').doNothing())
        .execute();
      row = await this.row(sha);
      if (!row) throw new NetkeepError('storage_error', `blob ${sha}: its database row vanished while it was being written (a concurrent retention run?); run the backup again`);
    }
    let dataKey: Buffer | undefined;
    if (target.encrypt) {
      try {
        dataKey = row.wrapped_key ? this.unwrap(sha, row) : undefined;
      } catch (err) {
        if (!(err instanceof BlobError)) throw err;
        dataKey = undefined; // its key is lost: the old file is unreadable anyway; re-key it
      }
      if (!dataKey) {
        dataKey = randomBytes(32);
        // New key in the row BEFORE the file that needs it (the current file does not use it:
        // it is plain or unreadable), so no crash can leave a file without its key.
        const wrapped = encryptSecret(this.keyring, dataKey.toString('base64'));
        await this.db.updateTable('blobs').set({ wrapped_key: wrapped, key_id: this.keyring.current.id }).where('sha256', '=', sha).execute();
        row = { ...row, wrapped_key: wrapped, key_id: this.keyring.current.id };
      }
    }
    const encoded = encode(bytes, sha, target, dataKey);
    try {
      await this.backend.put(sha, encoded);
    } catch (err) {
      // Leave no trace of a blob that never got its bytes (a row nobody references yet).
      await this.db
        .deleteFrom('blobs')
        .where('sha256', '=', sha)
        .where('stored_size', '=', 0)
        .where('verify_status', '=', 'missing')
        .where(({ not, exists, selectFrom }) => not(exists(selectFrom('backup_history').select('id').where('file_path', '=', sha))))
        .execute()
        .catch(() => {});
      throw err;
    }
    // Read back and verify before anyone may point at it.
    let back;
    try {
      back = await this.readVerified(sha, { ...row, size: bytes.length });
    } catch (err) {
      const e = err as BlobError;
      await this.mark(sha, e.status ?? 'corrupt', e.message).catch(() => {});
      throw new NetkeepError(
        'storage_error',
        `blob ${sha} did not read back correctly right after it was written (${e.message}); the storage under ${this.backend.description} is failing. Check the disk, then run the backup again`,
        { blob: sha },
        { cause: err },
      );
    }
    await this.mark(sha, 'ok', undefined, back);
    return { sha256: sha, size: bytes.length, storedSize: back.storedSize, created: true, ...formNames(back.form) };
  }

  /**
   * put() for many configs at once, with the same guarantees per blob (every new blob written,
   * fsynced, read back and verified; an existing one re-read and verified) but a few statements
   * for the whole batch instead of a handful per blob: one lookup of the rows, one insert of the
   * new rows with their data keys, one update marking the written ones verified. Anything
   * unusual (a row without a verified file, a weaker stored form, a concurrent writer of the same
   * content) goes through put() one by one. One settled result per item, in order.
   */
  async putMany(items: { content: string | Buffer; opts?: PutOptions; packed?: PackedConfig }[]): Promise<PromiseSettledResult<PutResult>[]> {
    const out: PromiseSettledResult<PutResult>[] = new Array(items.length);
    const prepared = items.map((it) => {
      const bytes = typeof it.content === 'string' ? Buffer.from(it.content, 'utf8') : it.content;
      // the SHA-256 of the bytes in hand names the blob (a packed form is used only if it agrees)
      return { bytes, sha: sha256Hex(bytes), want: { compress: it.opts?.compress !== false, encrypt: it.opts?.encrypt !== false } as Form, packed: it.packed };
    });
    // one job per distinct content (and wanted form); items with the same content share its result
    const jobs = new Map<string, { bytes: Buffer; sha: string; want: Form; packed: PackedConfig | undefined; idx: number[] }>();
    prepared.forEach((p, i) => {
      const k = `${p.sha}:${+p.want.compress}${+p.want.encrypt}`;
      const j = jobs.get(k);
      if (j) j.idx.push(i);
      else jobs.set(k, { ...p, idx: [i] });
    });
    const settle = (j: { idx: number[] }, r: PromiseSettledResult<PutResult>) => {
      for (const i of j.idx) out[i] = r;
    };
    const one = async (j: { bytes: Buffer; idx: number[]; want: Form }) => {
      try {
        settle(j, { status: 'fulfilled', value: await this.put(j.bytes, j.want) });
      } catch (reason) {
        settle(j, { status: 'rejected', reason });
      }
    };
    const all = [...jobs.values()];
    const shas = [...new Set(all.map((j) => j.sha))];
    let rows: Map<string, BlobRow>;
    try {
      rows = new Map(
        (
          (await this.db
            .selectFrom('blobs')
            .select(['sha256', 'size', 'stored_size', 'compression', 'encryption', 'key_id', 'wrapped_key', 'verify_status'])
            .where('sha256', 'in', shas)
            .execute()) as BlobRow[]
        ).map((r) => [r.sha256, r]),
      );
    } catch {
      await Promise.all(all.map(one));
      return out;
    }
    const slow: typeof all = [];
    const fresh: typeof all = [];
    for (const j of all) {
      const row = rows.get(j.sha);
      if (!row) {
        // two forms of one new content in one batch: the first is written here, the other by put()
        if (fresh.some((f) => f.sha === j.sha)) slow.push(j);
        else fresh.push(j);
        continue;
      }
      // existing content: re-read and verify it; the common case needs no statement at all
      try {
        const cur = await this.readVerified(j.sha, row);
        if ((!j.want.compress || cur.form.compress) && (!j.want.encrypt || cur.form.encrypt) && row.verify_status === 'ok' && row.stored_size === cur.storedSize) {
          settle(j, { status: 'fulfilled', value: { sha256: j.sha, size: j.bytes.length, storedSize: cur.storedSize, created: false, ...formNames(cur.form) } });
          continue;
        }
      } catch (err) {
        if (!(err instanceof BlobError)) {
          settle(j, { status: 'rejected', reason: err });
          continue;
        }
      }
      slow.push(j); // unreadable, weaker form or row not yet marked: put() heals or rewrites it
    }
    const slowDone = Promise.all(slow.map(one));
    if (fresh.length) {
      // rows first, with their data keys (as put() does); a row another writer inserted meanwhile
      // is not returned here, and that content goes through put()
      const keys = new Map<string, { dk?: Buffer; row: BlobRow }>();
      const values = fresh.map((j) => {
        const dk = j.want.encrypt ? randomBytes(32) : undefined;
        const v = {
          sha256: j.sha,
          size: j.bytes.length,
          stored_size: 0,
          compression: (j.want.compress ? 'zstd' : 'none') as 'zstd' | 'none',
          encryption: (j.want.encrypt ? 'aes-256-gcm' : 'none') as 'aes-256-gcm' | 'none',
          key_id: dk ? this.keyring.current.id : null,
          wrapped_key: dk ? encryptSecret(this.keyring, dk.toString('base64')) : null,
          verify_status: 'missing',
        };
        keys.set(j.sha, { ...(dk ? { dk } : {}), row: v });
        return v;
      });
      let inserted: Set<string>;
      try {
        inserted = new Set((await this.db.insertInto('blobs').values(values).onConflict((oc) => oc.column('sha256').doNothing()).returning('sha256').execute()).map((r) => r.sha256));
      } catch {
        inserted = new Set();
      }
      const written: { j: (typeof fresh)[number]; back: { form: Form; storedSize: number } }[] = [];
      await Promise.all(
        fresh.map(async (j) => {
          if (!inserted.has(j.sha)) return one(j);
          const k = keys.get(j.sha)!;
          try {
            await this.backend.put(j.sha, encode(j.bytes, j.sha, j.want, k.dk, j.packed));
          } catch (err) {
            await this.db
              .deleteFrom('blobs')
              .where('sha256', '=', j.sha)
              .where('stored_size', '=', 0)
              .where('verify_status', '=', 'missing')
              .where(({ not, exists, selectFrom }) => not(exists(selectFrom('backup_history').select('id').where('file_path', '=', j.sha))))
              .execute()
              .catch(() => {});
            settle(j, { status: 'rejected', reason: err });
            return;
          }
          // read back and verify before anyone may point at it
          try {
            const back = await this.readVerified(j.sha, k.row, k.dk);
            written.push({ j, back });
          } catch (err) {
            const e = err as BlobError;
            await this.mark(j.sha, e.status ?? 'corrupt', e.message).catch(() => {});
            settle(j, {
              status: 'rejected',
              reason: new NetkeepError(
                'storage_error',
                `blob ${j.sha} did not read back correctly right after it was written (${e.message}); the storage under ${this.backend.description} is failing. Check the disk, then run the backup again`,
                { blob: j.sha },
                { cause: err },
              ),
            });
          }
        }),
      );
      if (written.length) {
        try {
          await sql`UPDATE blobs AS b SET verify_status = 'ok', verify_error = NULL, last_verified_at = now(),
              stored_size = v.stored_size, compression = v.compression, encryption = v.encryption
            FROM (VALUES ${sql.join(written.map((w) => sql`(${w.j.sha}, ${w.back.storedSize}::bigint, ${w.back.form.compress ? 'zstd' : 'none'}, ${w.back.form.encrypt ? 'aes-256-gcm' : 'none'})`))})
              AS v(sha256, stored_size, compression, encryption)
            WHERE b.sha256 = v.sha256`.execute(this.db);
          for (const w of written) settle(w.j, { status: 'fulfilled', value: { sha256: w.j.sha, size: w.j.bytes.length, storedSize: w.back.storedSize, created: true, ...formNames(w.back.form) } });
        } catch (err) {
          for (const w of written) settle(w.j, { status: 'rejected', reason: err });
        }
      }
    }
    await slowDone;
    return out;
  }

  private async mark(sha: string, status: VerifyStatus, error: string | undefined, ok?: { form: Form; storedSize: number }): Promise<void> {
    await this.db
      .updateTable('blobs')
      .set({
        verify_status: status,
        verify_error: error ?? null,
        last_verified_at: new Date(),
        ...(ok ? { stored_size: ok.storedSize, compression: ok.form.compress ? 'zstd' : 'none', encryption: ok.form.encrypt ? 'aes-256-gcm' : 'none' } : {}),
      } as never)
      .where('sha256', '=', sha)
      .execute();
  }

  /**
   * The verified bytes of a blob. Throws BlobError (storage_error) when it is missing, corrupt,
   * tampered with or encrypted under a key this netkeep does not have, and records that on its row.
   */
  async get(sha: string): Promise<Buffer> {
    if (!/^[0-9a-f]{64}$/.test(sha)) throw new BlobError('missing', sha, `"${sha}" is not a blob key (64 hex characters)`);
    const row = await this.row(sha);
    try {
      const r = await this.readVerified(sha, row);
      if (row && row.verify_status !== 'ok') await this.mark(sha, 'ok', undefined, r);
      return r.bytes;
    } catch (err) {
      if (err instanceof BlobError && row) await this.mark(sha, err.status, err.message).catch(() => {});
      throw err;
    }
  }

  /**
   * get() for many blobs at once, with the same guarantees per blob (every one read, decrypted,
   * decompressed and verified against its SHA-256 before its bytes are returned; a failure
   * recorded on its row) but one database look-up per 1,000 keys instead of one per blob, and
   * the files read `concurrency` at a time (default 16). One settled result per distinct key:
   * the bytes, or the BlobError saying why they are not served. Callers bound memory by the
   * number of keys they pass at once.
   */
  async getMany(shas: readonly string[], o: { concurrency?: number } = {}): Promise<Map<string, { bytes: Buffer } | { error: BlobError }>> {
    const out = new Map<string, { bytes: Buffer } | { error: BlobError }>();
    const keys: string[] = [];
    for (const sha of new Set(shas)) {
      if (/^[0-9a-f]{64}$/.test(sha)) keys.push(sha);
      else out.set(sha, { error: new BlobError('missing', sha, `"${sha}" is not a blob key (64 hex characters)`) });
    }
    const rows = new Map<string, BlobRow>();
    for (let i = 0; i < keys.length; i += 1000) {
      const part = keys.slice(i, i + 1000);
      const found = (await this.db
        .selectFrom('blobs')
        .select(['sha256', 'size', 'stored_size', 'compression', 'encryption', 'key_id', 'wrapped_key', 'verify_status'])
        .where('sha256', 'in', part)
        .execute()) as BlobRow[];
      for (const r of found) rows.set(r.sha256, r);
    }
    let next = 0;
    const worker = async (): Promise<void> => {
      for (;;) {
        const sha = keys[next++];
        if (sha === undefined) return;
        const row = rows.get(sha);
        try {
          const r = await this.readVerified(sha, row);
          if (row && row.verify_status !== 'ok') await this.mark(sha, 'ok', undefined, r);
          out.set(sha, { bytes: r.bytes });
        } catch (err) {
          if (!(err instanceof BlobError)) throw err;
          if (row) await this.mark(sha, err.status, err.message).catch(() => {});
          out.set(sha, { error: err });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(Math.max(1, o.concurrency ?? 16), keys.length) }, worker));
    return out;
  }

  async getText(sha: string): Promise<string> {
    return (await this.get(sha)).toString('utf8');
  }

  /** Re-read one blob and record the result on its row; never throws for a bad blob. */
  async verify(sha: string): Promise<VerifyResult> {
    try {
      await this.get(sha);
      return { sha256: sha, status: 'ok' };
    } catch (err) {
      if (err instanceof BlobError) return { sha256: sha, status: err.status, error: err.message };
      throw err;
    }
  }

  /**
   * Re-wrap the data key of every blob not under the current master key (or every blob when
   * `all`); config data is not touched. Returns how many rows were rewrapped.
   */
  async rewrapAll(opts: { batch?: number } = {}): Promise<{ rewrapped: number; failed: { sha256: string; error: string }[] }> {
    const batch = opts.batch ?? 500;
    let rewrapped = 0;
    const failed: { sha256: string; error: string }[] = [];
    let after = '';
    for (;;) {
      const rows = await this.db
        .selectFrom('blobs')
        .select(['sha256', 'key_id', 'wrapped_key'])
        .where('wrapped_key', 'is not', null)
        .where('sha256', '>', after)
        .orderBy('sha256')
        .limit(batch)
        .execute();
      if (!rows.length) break;
      after = rows[rows.length - 1]!.sha256;
      const updates: { sha: string; old: string; wrapped: string }[] = [];
      for (const r of rows) {
        const id = r.wrapped_key!.split(':')[1];
        if (id === this.keyring.current.id) continue;
        try {
          const dk = this.unwrap(r.sha256, r);
          updates.push({ sha: r.sha256, old: r.wrapped_key!, wrapped: encryptSecret(this.keyring, dk.toString('base64')) });
        } catch (err) {
          failed.push({ sha256: r.sha256, error: (err as Error).message });
        }
      }
      if (updates.length) {
        await this.db.transaction().execute(async (trx) => {
          for (const u of updates) {
            // Only if nobody re-keyed it meanwhile (a concurrent put healing it).
            await trx.updateTable('blobs').set({ wrapped_key: u.wrapped, key_id: this.keyring.current.id }).where('sha256', '=', u.sha).where('wrapped_key', '=', u.old).execute();
          }
        });
        rewrapped += updates.length;
      }
    }
    return { rewrapped, failed };
  }

  /** Counts of blobs per master key id (null = not encrypted). */
  async keyUsage(): Promise<{ key_id: string | null; n: number }[]> {
    return (await this.db.selectFrom('blobs').select(['key_id', sql<number>`count(*)::int`.as('n')]).groupBy('key_id').orderBy('key_id').execute()) as { key_id: string | null; n: number }[];
  }
}

function formNames(f: Form): { compression: 'none' | 'zstd'; encryption: 'none' | 'aes-256-gcm' } {
  return { compression: f.compress ? 'zstd' : 'none', encryption: f.encrypt ? 'aes-256-gcm' : 'none' };
}

// BlobStore.putMany: the batch form of put() keeps put()'s guarantees per blob — new content
// written, verified and marked ok; existing content re-read and verified (a damaged file healed);
// one result per item, in order, duplicates sharing one blob; a failing write rejects only its items.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BlobStore, packConfig, sha256Hex } from '../../src/store/blobs.ts';
import { FsBlobBackend } from '../../src/store/backend.ts';
import { backends, freshDb, type TestDb } from '../helpers/db.ts';
import { cleanupDirs, keyringFor, sampleConfig, tempDir } from './helpers.ts';

describe.each(backends())('BlobStore.putMany on %s', (backend) => {
  let t: TestDb;
  let dataDir: string;
  let store: BlobStore;
  let fs: FsBlobBackend;
  beforeAll(async () => {
    t = await freshDb(backend);
    dataDir = tempDir();
    fs = new FsBlobBackend(join(dataDir, 'blobs'));
    store = new BlobStore({ db: t.db, keyring: keyringFor(dataDir), backend: fs });
  });
  afterAll(async () => {
    await t?.close();
    cleanupDirs();
  });

  it('stores new content verified, dedups within the batch and against the store, in order', async () => {
    const a = sampleConfig(300, 1, 'pm-a');
    const b = sampleConfig(300, 2, 'pm-b');
    const old = sampleConfig(300, 3, 'pm-old');
    const first = await store.put(old);
    expect(first.created).toBe(true);
    const r = await store.putMany([{ content: a }, { content: old }, { content: b }, { content: Buffer.from(a, 'utf8') }]);
    expect(r.map((x) => x.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
    const v = r.map((x) => (x as PromiseFulfilledResult<Awaited<ReturnType<BlobStore['put']>>>).value);
    expect(v[0].sha256).toBe(sha256Hex(Buffer.from(a, 'utf8')));
    expect(v[0].created).toBe(true);
    expect(v[1]).toMatchObject({ sha256: first.sha256, created: false });
    expect(v[2].sha256).toBe(sha256Hex(Buffer.from(b, 'utf8')));
    expect(v[3].sha256).toBe(v[0].sha256);
    for (const x of [v[0], v[2]]) {
      const row = await t.db.selectFrom('blobs').selectAll().where('sha256', '=', x.sha256).executeTakeFirstOrThrow();
      expect(row.verify_status).toBe('ok');
      expect(Number(row.stored_size)).toBe(readFileSync(fs.pathOf(x.sha256)).length);
      expect(row.compression).toBe('zstd');
      expect(row.encryption).toBe('aes-256-gcm');
      expect(row.wrapped_key).toBeTruthy();
    }
    expect(await store.getText(v[0].sha256)).toBe(a);
    expect(await store.getText(v[2].sha256)).toBe(b);
    const rows = await t.db.selectFrom('blobs').select('sha256').where('sha256', 'in', [v[0].sha256, v[2].sha256]).execute();
    expect(rows).toHaveLength(2);
  });

  it('re-verifies existing content and heals a damaged file from the bytes in hand', async () => {
    const text = sampleConfig(300, 4, 'pm-heal');
    const p = await store.put(text);
    const path = fs.pathOf(p.sha256);
    const raw = readFileSync(path);
    raw[raw.length - 3] ^= 0xff; // flip a byte of the ciphertext
    writeFileSync(path, raw);
    const [r] = await store.putMany([{ content: text }]);
    expect(r.status).toBe('fulfilled');
    expect(await store.getText(p.sha256)).toBe(text);
    const row = await t.db.selectFrom('blobs').selectAll().where('sha256', '=', p.sha256).executeTakeFirstOrThrow();
    expect(row.verify_status).toBe('ok');
  });

  it('honours the compression and encryption switches per item', async () => {
    const plain = sampleConfig(100, 5, 'pm-plain');
    const [r] = await store.putMany([{ content: plain, opts: { compress: false, encrypt: false } }]);
    expect(r.status).toBe('fulfilled');
    const v = (r as PromiseFulfilledResult<Awaited<ReturnType<BlobStore['put']>>>).value;
    expect(v).toMatchObject({ compression: 'none', encryption: 'none', created: true });
    expect(readFileSync(fs.pathOf(v.sha256)).subarray(5).toString('utf8')).toBe(plain);
  });

  it('stores a config packed on another thread only when it matches the bytes, and verifies what it wrote', async () => {
    const text = sampleConfig(300, 8, 'pm-packed');
    const other = sampleConfig(300, 9, 'pm-other');
    const [ok] = await store.putMany([{ content: text, packed: packConfig(text) }]);
    expect(ok.status).toBe('fulfilled');
    expect(await store.getText(sha256Hex(Buffer.from(text, 'utf8')))).toBe(text);
    // packed from other bytes (another SHA-256): ignored, compressed here
    const mine = sampleConfig(300, 10, 'pm-mine');
    const [ignored] = await store.putMany([{ content: mine, packed: packConfig(other) }]);
    expect(ignored.status).toBe('fulfilled');
    expect(await store.getText(sha256Hex(Buffer.from(mine, 'utf8')))).toBe(mine);
    // a packer that lies (right name, wrong payload): the read-back catches it, nothing is marked ok
    const lied = sampleConfig(300, 11, 'pm-lied');
    const sha = sha256Hex(Buffer.from(lied, 'utf8'));
    const [bad] = await store.putMany([{ content: lied, packed: { sha256: sha, zstd: packConfig(other).zstd } }]);
    expect(bad.status).toBe('rejected');
    expect(String((bad as PromiseRejectedResult).reason.message)).toMatch(/did not read back correctly/);
    const row = await t.db.selectFrom('blobs').select('verify_status').where('sha256', '=', sha).executeTakeFirst();
    expect(row?.verify_status).not.toBe('ok');
    // the next store of the same content heals it
    const [healed] = await store.putMany([{ content: lied }]);
    expect(healed.status).toBe('fulfilled');
    expect(await store.getText(sha)).toBe(lied);
  });

  it('a blob whose write fails rejects its items only and leaves no row behind', async () => {
    const good = sampleConfig(100, 6, 'pm-good');
    const bad = sampleConfig(100, 7, 'pm-bad');
    const badSha = sha256Hex(Buffer.from(bad, 'utf8'));
    const failing = new BlobStore({
      db: t.db,
      keyring: keyringFor(dataDir),
      backend: Object.assign(Object.create(fs) as FsBlobBackend, {
        put: (key: string, bytes: Buffer) => (key === badSha ? Promise.reject(new Error('disk on fire')) : fs.put(key, bytes)),
      }),
    });
    const r = await failing.putMany([{ content: good }, { content: bad }]);
    expect(r[0].status).toBe('fulfilled');
    expect(r[1].status).toBe('rejected');
    expect(await t.db.selectFrom('blobs').select('sha256').where('sha256', '=', badSha).executeTakeFirst()).toBeUndefined();
    expect(await store.getText(sha256Hex(Buffer.from(good, 'utf8')))).toBe(good);
  });
});

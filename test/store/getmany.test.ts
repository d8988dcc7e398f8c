// BlobStore.getMany: the batch form of get() keeps get()'s guarantees per blob — every blob read,
// decrypted, decompressed and verified before its bytes are returned; a missing, corrupt or
// tampered blob (or a bad key) is reported as a BlobError, never served, and recorded on its row;
// a later good read marks the row ok again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BlobError, BlobStore, sha256Hex } from '../../src/store/blobs.ts';
import { FsBlobBackend } from '../../src/store/backend.ts';
import { backends, freshDb, type TestDb } from '../helpers/db.ts';
import { cleanupDirs, keyringFor, sampleConfig, tempDir } from './helpers.ts';

describe.each(backends())('BlobStore.getMany on %s', (backend) => {
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

  it('returns the verified bytes of every key, in every stored form, with duplicates once', async () => {
    const texts = Array.from({ length: 40 }, (_, i) => sampleConfig(200, i, `gm-${i}`));
    const forms = [{}, { encrypt: false }, { compress: false }, { compress: false, encrypt: false }];
    const shas: string[] = [];
    for (let i = 0; i < texts.length; i++) shas.push((await store.put(texts[i]!, forms[i % forms.length])).sha256);
    const got = await store.getMany([...shas, shas[0]!, shas[5]!], { concurrency: 4 });
    expect(got.size).toBe(texts.length);
    for (let i = 0; i < texts.length; i++) {
      const g = got.get(shas[i]!);
      expect(g && 'bytes' in g ? g.bytes.toString('utf8') : g).toBe(texts[i]);
    }
    expect((await store.getMany([])).size).toBe(0);
  });

  it('reports a corrupt, tampered or missing blob and a bad key instead of serving it, and records it', async () => {
    const good = sampleConfig(300, 50, 'gm-good');
    const tampered = sampleConfig(300, 51, 'gm-tampered');
    const corrupt = sampleConfig(300, 52, 'gm-corrupt');
    const missing = sampleConfig(300, 53, 'gm-missing');
    const plainSwapped = sampleConfig(300, 54, 'gm-plain');
    const [g, tp, c, m, p] = [
      await store.put(good),
      await store.put(tampered),
      await store.put(corrupt),
      await store.put(missing),
      await store.put(plainSwapped, { compress: false, encrypt: false }),
    ];
    // flip a ciphertext byte (AES-GCM fails); overwrite the header (not a blob); delete a file;
    // change a plain blob's text (the SHA-256 no longer matches)
    const raw = readFileSync(fs.pathOf(tp.sha256));
    raw[raw.length - 3] ^= 0xff;
    writeFileSync(fs.pathOf(tp.sha256), raw);
    writeFileSync(fs.pathOf(c.sha256), Buffer.from('garbage that is not a netkeep blob'));
    rmSync(fs.pathOf(m.sha256));
    const praw = readFileSync(fs.pathOf(p.sha256));
    praw[praw.length - 2] = praw[praw.length - 2] === 0x41 ? 0x42 : 0x41;
    writeFileSync(fs.pathOf(p.sha256), praw);
    const notAKey = 'not-a-key';

    const got = await store.getMany([g.sha256, tp.sha256, c.sha256, m.sha256, p.sha256, notAKey]);
    const ok = got.get(g.sha256);
    expect(ok && 'bytes' in ok ? ok.bytes.toString('utf8') : ok).toBe(good);
    const status = (sha: string) => {
      const r = got.get(sha);
      expect(r && 'error' in r).toBe(true);
      const e = (r as { error: BlobError }).error;
      expect(e).toBeInstanceOf(BlobError);
      expect('bytes' in (r as object)).toBe(false);
      return e.status;
    };
    expect(status(tp.sha256)).toBe('tampered');
    expect(status(c.sha256)).toBe('corrupt');
    expect(status(m.sha256)).toBe('missing');
    expect(status(p.sha256)).toBe('corrupt');
    expect(status(notAKey)).toBe('missing');
    expect((got.get(tp.sha256) as { error: BlobError }).error.message).toMatch(/integrity check.*not served/);

    const rows = new Map(
      (await t.db.selectFrom('blobs').select(['sha256', 'verify_status']).where('sha256', 'in', [g.sha256, tp.sha256, c.sha256, m.sha256, p.sha256]).execute()).map((r) => [r.sha256, r.verify_status]),
    );
    expect(Object.fromEntries([g, tp, c, m, p].map((x) => [x.sha256, rows.get(x.sha256)]))).toEqual({
      [g.sha256]: 'ok',
      [tp.sha256]: 'tampered',
      [c.sha256]: 'corrupt',
      [m.sha256]: 'missing',
      [p.sha256]: 'corrupt',
    });

    // healed by the next put of the same content; a good read by getMany marks it ok again
    await store.put(tampered);
    await t.db.updateTable('blobs').set({ verify_status: 'corrupt' }).where('sha256', '=', tp.sha256).execute();
    const again = (await store.getMany([tp.sha256])).get(tp.sha256);
    expect(again && 'bytes' in again ? sha256Hex(again.bytes) : again).toBe(tp.sha256);
    const row = await t.db.selectFrom('blobs').select('verify_status').where('sha256', '=', tp.sha256).executeTakeFirstOrThrow();
    expect(row.verify_status).toBe('ok');
  });

  it('reports an encrypted blob whose master key this process lacks as key_missing', async () => {
    const text = sampleConfig(120, 60, 'gm-key');
    const r = await store.put(text);
    const other = new BlobStore({ db: t.db, keyring: keyringFor(tempDir(), Buffer.alloc(32, 7)), backend: fs });
    const got = (await other.getMany([r.sha256])).get(r.sha256);
    expect(got && 'error' in got ? got.error.status : got).toBe('key_missing');
    // the right key still reads it
    const back = (await store.getMany([r.sha256])).get(r.sha256);
    expect(back && 'bytes' in back ? back.bytes.toString('utf8') : back).toBe(text);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, writeFileSync, existsSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { BlobError, BlobStore, sha256Hex } from '../../src/store/blobs.ts';
import { FsBlobBackend } from '../../src/store/backend.ts';
import { backends, freshDb, type TestDb } from '../helpers/db.ts';
import { cleanupDirs, keyringFor, randomKey, sampleConfig, tempDir } from './helpers.ts';

async function listKeys(b: FsBlobBackend): Promise<string[]> {
  const out: string[] = [];
  for await (const k of b.list()) out.push(k);
  return out;
}

describe.each(backends())('blob store on %s', (backend) => {
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

  it('gives back the exact bytes it was given, named by their SHA-256', async () => {
    const text = 'hostname r1\r\ninterface Gi0/1 \n description caf\u00e9 \u2603\t\n\n  \n';
    const r = await store.put(text);
    expect(r.sha256).toBe(sha256Hex(Buffer.from(text, 'utf8')));
    expect(r.created).toBe(true);
    expect(await store.getText(r.sha256)).toBe(text);
    expect(existsSync(fs.pathOf(r.sha256))).toBe(true);
    expect(fs.pathOf(r.sha256)).toContain(`/blobs/${r.sha256.slice(0, 2)}/${r.sha256.slice(2, 4)}/${r.sha256}`);
  });

  it('stores identical content once', async () => {
    const text = sampleConfig(300, 1, 'dedup');
    const before = (await listKeys(fs)).length;
    const a = await store.put(text);
    const b = await store.put(text);
    const c = await store.put(Buffer.from(text, 'utf8'));
    expect(a.created).toBe(true);
    expect(b.created).toBe(false);
    expect(c.created).toBe(false);
    expect(b.sha256).toBe(a.sha256);
    expect((await listKeys(fs)).length).toBe(before + 1);
    const rows = await t.db.selectFrom('blobs').selectAll().where('sha256', '=', a.sha256).execute();
    expect(rows).toHaveLength(1);
  });

  it('honours the compression and encryption switches', async () => {
    for (const [compress, encrypt] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      const text = sampleConfig(200, 0, `sw-${compress}-${encrypt}`);
      const r = await store.put(text, { compress, encrypt });
      const raw = readFileSync(fs.pathOf(r.sha256));
      expect(raw.subarray(0, 4).toString()).toBe('NKB1');
      expect(raw[4]).toBe((compress ? 1 : 0) | (encrypt ? 2 : 0));
      expect(raw.includes(Buffer.from(`hostname sw-${compress}-${encrypt}`))).toBe(!compress && !encrypt);
      if (compress) expect(raw.length).toBeLessThan(text.length / 3);
      const row = await t.db.selectFrom('blobs').selectAll().where('sha256', '=', r.sha256).executeTakeFirstOrThrow();
      expect(row.compression).toBe(compress ? 'zstd' : 'none');
      expect(row.encryption).toBe(encrypt ? 'aes-256-gcm' : 'none');
      expect(row.key_id).toBe(encrypt ? store.keyring.current.id : null);
      expect(row.stored_size).toBe(raw.length);
      expect(await store.getText(r.sha256)).toBe(text);
    }
  });

  it('upgrades a plain blob when the same content is stored with encryption, never downgrades', async () => {
    const text = sampleConfig(100, 0, 'upgrade');
    const a = await store.put(text, { compress: false, encrypt: false });
    expect(readFileSync(fs.pathOf(a.sha256)).includes(Buffer.from('hostname upgrade'))).toBe(true);
    const b = await store.put(text, { compress: true, encrypt: true });
    expect(b.created).toBe(true);
    expect(b.encryption).toBe('aes-256-gcm');
    expect(readFileSync(fs.pathOf(a.sha256)).includes(Buffer.from('hostname upgrade'))).toBe(false);
    const c = await store.put(text, { compress: false, encrypt: false });
    expect(c.created).toBe(false);
    expect(c.encryption).toBe('aes-256-gcm');
    expect(await store.getText(a.sha256)).toBe(text);
  });

  it('refuses a blob with one flipped byte, whatever its form, and records why', async () => {
    for (const [compress, encrypt, status] of [[true, true, 'tampered'], [false, false, 'corrupt'], [true, false, 'corrupt']] as const) {
      const text = sampleConfig(150, 0, `flip-${compress}-${encrypt}`);
      const r = await store.put(text, { compress, encrypt });
      const p = fs.pathOf(r.sha256);
      const raw = readFileSync(p);
      raw[raw.length - 10] ^= 0x01;
      writeFileSync(p, raw);
      const err = await store.get(r.sha256).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(BlobError);
      expect((err as BlobError).status).toBe(status);
      expect((err as BlobError).failureClass).toBe('storage_error');
      expect((err as Error).message).toMatch(/not served.*Restore/);
      const row = await t.db.selectFrom('blobs').select(['verify_status', 'verify_error']).where('sha256', '=', r.sha256).executeTakeFirstOrThrow();
      expect(row.verify_status).toBe(status);
      const v = await store.verify(r.sha256);
      expect(v.status).toBe(status);
      // the next backup of the same config heals it
      const healed = await store.put(text, { compress, encrypt });
      expect(healed.created).toBe(true);
      expect(await store.getText(r.sha256)).toBe(text);
      expect((await store.verify(r.sha256)).status).toBe('ok');
    }
  });

  it('reports a missing blob as missing', async () => {
    const r = await store.put(sampleConfig(50, 0, 'gone'));
    unlinkSync(fs.pathOf(r.sha256));
    await expect(store.get(r.sha256)).rejects.toMatchObject({ status: 'missing', message: expect.stringMatching(/missing from the blob store/) });
    expect((await store.verify(r.sha256)).status).toBe('missing');
  });

  it('refuses a wrong master key clearly instead of returning garbage', async () => {
    const text = sampleConfig(80, 0, 'keyed');
    const r = await store.put(text);
    const other = new BlobStore({ db: t.db, keyring: keyringFor(tempDir(), randomKey()), backend: fs });
    const err = (await other.get(r.sha256).then(() => undefined, (e: unknown) => e)) as BlobError;
    expect(err).toBeInstanceOf(BlobError);
    expect(err.status).toBe('key_missing');
    expect(err.message).toContain(`master key ${store.keyring.current.id}`);
    expect(err.message).toContain(other.keyring.current.id);
    expect(err.message).toMatch(/NETKEEP_MASTER_KEY/);
    // the right key still reads it (the refusal did not damage anything)
    expect(await store.getText(r.sha256)).toBe(text);
  });

  it('refuses a data key altered in the database', async () => {
    const r = await store.put(sampleConfig(60, 0, 'rowtamper'));
    const row = await t.db.selectFrom('blobs').select('wrapped_key').where('sha256', '=', r.sha256).executeTakeFirstOrThrow();
    const parts = row.wrapped_key!.split(':');
    const ct = Buffer.from(parts[4]!, 'base64');
    ct[0] ^= 1;
    parts[4] = ct.toString('base64');
    await t.db.updateTable('blobs').set({ wrapped_key: parts.join(':') }).where('sha256', '=', r.sha256).execute();
    await expect(store.get(r.sha256)).rejects.toMatchObject({ status: 'tampered' });
  });

  it('swapping two blob files is detected (the bytes are bound to their name)', async () => {
    const a = await store.put(sampleConfig(70, 0, 'swap-a'));
    const b = await store.put(sampleConfig(70, 0, 'swap-b'));
    const ra = readFileSync(fs.pathOf(a.sha256));
    writeFileSync(fs.pathOf(b.sha256), ra);
    await expect(store.get(b.sha256)).rejects.toMatchObject({ status: 'tampered' });
    expect(readdirSync(join(dataDir, 'blobs', 'tmp'))).toEqual([]);
  });
});

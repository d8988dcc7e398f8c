// The S3 blob backend against a real S3-compatible server (@20minutes/s3rver, test/setup/s3.ts):
// the BlobBackend contract, SigV4 as the server checks it, the errors an operator sees, retries,
// and the whole BlobStore (compression, encryption, dedup, tamper detection) over S3.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer as createHttpServer, request as httpRequest, type Server } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { inspect } from 'node:util';
import { createHash, randomBytes } from 'node:crypto';
import { NetkeepError } from '../../src/errors.ts';
import { FsBlobBackend } from '../../src/store/backend.ts';
import { BlobError, BlobStore, sha256Hex } from '../../src/store/blobs.ts';
import { blobBackendFromEnv, s3OptionsFromEnv } from '../../src/store/config.ts';
import { amzDate, S3BlobBackend, signV4, type S3BackendOptions } from '../../src/store/s3.ts';
import { freshDb, type TestDb } from '../helpers/db.ts';
import { freePort } from '../setup/postgres.ts';
import { startS3Server, type TestS3 } from '../setup/s3.ts';
import { cleanupDirs, keyringFor, sampleConfig, tempDir } from './helpers.ts';

const key = (n: number | string) => createHash('sha256').update(`blob-${n}`).digest('hex');

async function collect(it: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const k of it) out.push(k);
  return out;
}

async function caught(p: Promise<unknown>): Promise<NetkeepError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(NetkeepError);
    return err as NetkeepError;
  }
  throw new Error('expected a rejection');
}

/** PUT raw bytes straight through the S3 API (fetch + SigV4), bypassing netkeep's backend. */
async function rawPut(s3: TestS3, objectKey: string, body: Buffer): Promise<number> {
  const path = `/${s3.bucket}/${objectKey}`;
  const host = `127.0.0.1:${s3.port}`;
  const now = new Date();
  const payloadHash = createHash('sha256').update(body).digest('hex');
  const headers = { host, 'x-amz-date': amzDate(now), 'x-amz-content-sha256': payloadHash };
  const { authorization } = signV4({ method: 'PUT', path, query: {}, headers, payloadHash, region: 'us-east-1', date: now, credentials: s3 });
  const r = await fetch(`${s3.endpoint}${path}`, { method: 'PUT', body, headers: { ...headers, authorization } });
  await r.arrayBuffer();
  return r.status;
}

describe('AWS Signature V4', () => {
  it('matches the example of the S3 documentation (GET object with Range)', () => {
    const { authorization } = signV4({
      method: 'GET',
      path: '/test.txt',
      query: {},
      headers: {
        host: 'examplebucket.s3.amazonaws.com',
        range: 'bytes=0-9',
        'x-amz-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
        'x-amz-date': '20130524T000000Z',
      },
      payloadHash: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      region: 'us-east-1',
      date: new Date('2013-05-24T00:00:00Z'),
      credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
    });
    expect(authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, ' +
        'Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    );
  });

  it('addresses path-style and virtual-host style', () => {
    const creds = { accessKeyId: 'a', secretAccessKey: 'b' };
    const ps = new S3BlobBackend({ endpoint: 'http://127.0.0.1:9000', bucket: 'bk', prefix: '/nk/blobs/', credentials: creds });
    expect(ps.pathStyle).toBe(true);
    expect(ps.target(ps.objectKey(key(1)))).toMatchObject({ host: '127.0.0.1:9000', path: `/bk/nk/blobs/${key(1)}` });
    const vh = new S3BlobBackend({ region: 'eu-west-3', bucket: 'bk', credentials: creds });
    expect(vh.pathStyle).toBe(false);
    expect(vh.target(vh.objectKey(key(1)))).toMatchObject({ host: 'bk.s3.eu-west-3.amazonaws.com', path: `/${key(1)}` });
    const vh2 = new S3BlobBackend({ endpoint: 'https://s3.example.net:8443/', bucket: 'bk', pathStyle: false, credentials: creds });
    expect(vh2.target()).toMatchObject({ host: 'bk.s3.example.net:8443', path: '/' });
    ps.close();
    vh.close();
    vh2.close();
  });
});

describe('S3 blob backend', () => {
  let s3: TestS3;
  let b: S3BlobBackend;
  const opts = (o: Partial<S3BackendOptions> = {}): S3BackendOptions => ({
    endpoint: s3.endpoint,
    bucket: s3.bucket,
    prefix: 'netkeep/blobs',
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    ...o,
  });
  const made: S3BlobBackend[] = [];
  const backend = (o: Partial<S3BackendOptions> = {}) => {
    const x = new S3BlobBackend(opts(o));
    made.push(x);
    return x;
  };
  beforeAll(async () => {
    s3 = await startS3Server();
    b = backend();
  });
  afterAll(async () => {
    for (const x of made) x.close();
    await s3?.close();
  });

  it('puts, gets, sizes, lists and deletes (SigV4 accepted by the server)', async () => {
    const bytes = randomBytes(3000);
    await b.put(key('a'), bytes);
    expect((await b.get(key('a')))!.equals(bytes)).toBe(true);
    expect(await b.exists(key('a'))).toBe(true);
    expect(await b.size(key('a'))).toBe(3000);
    expect(await collect(b.list())).toContain(key('a'));
    // replacing is allowed (healing rewrites a blob)
    await b.put(key('a'), Buffer.from('v2'));
    expect((await b.get(key('a')))!.toString()).toBe('v2');
    await b.delete(key('a'));
    expect(await b.exists(key('a'))).toBe(false);
    expect(await collect(b.list())).not.toContain(key('a'));
  });

  it('answers missing for an absent object and deletes idempotently', async () => {
    expect(await b.get(key('never'))).toBeUndefined();
    expect(await b.size(key('never'))).toBeUndefined();
    expect(await b.exists(key('never'))).toBe(false);
    await b.delete(key('never'));
    await b.delete(key('never'));
  });

  it('stores an empty blob', async () => {
    await b.put(key('empty'), Buffer.alloc(0));
    expect((await b.get(key('empty')))!.length).toBe(0);
    expect(await b.size(key('empty'))).toBe(0);
    await b.delete(key('empty'));
  });

  it('refuses a non-key before any request', async () => {
    await expect(b.get('../../etc/passwd')).rejects.toMatchObject({ failureClass: 'internal' });
  });

  it('lists more than one page (ListObjectsV2 continuation tokens), only under its prefix', async () => {
    const big = backend({ prefix: 'paged' });
    const n = 1005;
    const keys = Array.from({ length: n }, (_, i) => key(`p${i}`));
    for (let i = 0; i < n; i += 16) await Promise.all(keys.slice(i, i + 16).map((k) => big.put(k, Buffer.from(k))));
    // a foreign object and a blob under another prefix are not listed
    expect(await rawPut(s3, 'paged/not-a-blob.txt', Buffer.from('x'))).toBe(200);
    await b.put(key('elsewhere'), Buffer.from('x'));
    const listed = await collect(big.list());
    expect(listed).toHaveLength(n); // two pages of the server's maximum (1000)
    expect(new Set(listed)).toEqual(new Set(keys));
    const small = await collect(backend({ prefix: 'paged', pageSize: 97 }).list());
    expect(small).toHaveLength(n); // eleven pages
    expect(await collect(b.list())).not.toContain(keys[0]);
  }, 120_000);

  it('refuses a wrong secret with a clear auth error', async () => {
    const bad = backend({ credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: 'not-the-secret' } });
    const e = await caught(bad.get(key('a')));
    expect(e.failureClass).toBe('storage_error');
    expect(e.message).toMatch(/SignatureDoesNotMatch/);
    expect(e.message).toMatch(/check the access key and bucket policy/);
    expect(e.message).not.toContain('not-the-secret');
    const put = await caught(bad.put(key('a'), Buffer.from('x')));
    expect(put.message).toMatch(/refused writing blob/);
    const unknown = backend({ credentials: { accessKeyId: 'NOSUCHKEY', secretAccessKey: 'x' } });
    expect((await caught(unknown.get(key('a')))).message).toMatch(/InvalidAccessKeyId.*check the access key and bucket policy/);
  });

  it('tells a missing bucket from a missing object', async () => {
    const nb = backend({ bucket: 'no-such-bucket' });
    expect((await caught(nb.get(key('a')))).message).toMatch(/bucket "no-such-bucket" does not exist/);
    expect((await caught(nb.exists(key('a')))).message).toMatch(/bucket "no-such-bucket" does not exist/);
    expect((await caught(collect(nb.list()))).message).toMatch(/bucket "no-such-bucket" does not exist/);
  });

  it('fails with a transient storage error within a deadline when the server goes away', async () => {
    const own = await startS3Server();
    const x = new S3BlobBackend({ ...opts(), endpoint: own.endpoint, bucket: own.bucket, credentials: own, attempts: 3, backoffMs: 100, timeoutMs: 2000 });
    made.push(x);
    await x.put(key('s'), Buffer.from('before'));
    expect((await x.get(key('s')))!.toString()).toBe('before');
    await own.close();
    const t0 = Date.now();
    const e = await caught(x.get(key('s')));
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(e.failureClass).toBe('storage_error');
    expect(e.transient).toBe(true);
    expect(e.message).toMatch(/could not reach S3 bucket .* ECONNREFUSED .*3 attempts/);
    expect((await caught(x.put(key('s'), Buffer.from('after')))).transient).toBe(true);
  });

  it('times out an endpoint that never answers', async () => {
    const sockets: Socket[] = [];
    const silent: NetServer = createNetServer((s) => sockets.push(s));
    const port = await freePort();
    await new Promise<void>((r) => silent.listen(port, '127.0.0.1', r));
    try {
      const x = backend({ endpoint: `http://127.0.0.1:${port}`, timeoutMs: 300, attempts: 2, backoffMs: 50 });
      const t0 = Date.now();
      const e = await caught(x.get(key('t')));
      expect(Date.now() - t0).toBeLessThan(3000);
      expect(e.message).toMatch(/no answer within 300 ms \(2 attempts\)/);
      expect(e.transient).toBe(true);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });

  it('retries throttling (503 SlowDown) with backoff, then succeeds', async () => {
    // A front that throttles the first two requests, then forwards to the real server.
    let n = 0;
    const front: Server = createHttpServer((req, res) => {
      if (++n <= 2) {
        res.writeHead(503, { 'content-type': 'application/xml' });
        res.end('<?xml version="1.0"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>');
        return;
      }
      // Forward as is (the Host header the request was signed with included).
      const up = httpRequest({ host: '127.0.0.1', port: s3.port, method: req.method, path: req.url, headers: req.headers }, (ur) => {
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        ur.pipe(res);
      });
      req.pipe(up);
    });
    const port = await freePort();
    await new Promise<void>((r) => front.listen(port, '127.0.0.1', r));
    try {
      await b.put(key('slow'), Buffer.from('throttled'));
      const x = backend({ endpoint: `http://127.0.0.1:${port}`, backoffMs: 20 });
      expect(await x.size(key('slow'))).toBe(9);
      expect(n).toBe(3);
      n = 0;
      const y = backend({ endpoint: `http://127.0.0.1:${port}`, backoffMs: 20, attempts: 2 });
      const e = await caught(y.get(key('slow')));
      expect(e.message).toMatch(/HTTP 503 SlowDown/);
      expect(e.details).toMatchObject({ retryable: true });
    } finally {
      front.closeAllConnections();
      await new Promise((r) => front.close(r));
    }
  });

  it('never shows the secret (description, inspect, JSON, errors)', async () => {
    const secret = s3.secretAccessKey;
    const x = backend({ credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: secret, sessionToken: 'tok-SECRET-123' } });
    expect(x.description).not.toContain(secret);
    expect(inspect(x, { depth: 5 })).not.toContain(secret);
    expect(inspect(x, { depth: 5 })).not.toContain('tok-SECRET-123');
    expect(JSON.stringify(x)).not.toContain(secret);
    const e = await caught(backend({ credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: 'zzSECRETzz' } }).put(key('z'), Buffer.from('z')));
    expect(`${e.message} ${JSON.stringify(e.details)}`).not.toContain('zzSECRETzz');
  });
});

describe('blob backend configuration (NETKEEP_BLOB_STORE)', () => {
  const creds = { NETKEEP_S3_ACCESS_KEY_ID: 'AKID', NETKEEP_S3_SECRET_ACCESS_KEY: 'SECRETVALUE' };

  it('defaults to the filesystem under DATA_DIR/blobs', () => {
    const b = blobBackendFromEnv({}, '/data');
    expect(b).toBeInstanceOf(FsBlobBackend);
    expect((b as FsBlobBackend).root).toBe('/data/blobs');
    expect((blobBackendFromEnv({ NETKEEP_BLOB_STORE: '/srv/blobs' }, '/data') as FsBlobBackend).root).toBe('/srv/blobs');
    expect((blobBackendFromEnv({ NETKEEP_BLOB_STORE: 'file:///srv/b2' }, '/data') as FsBlobBackend).root).toBe('/srv/b2');
  });

  it('builds an S3 backend from an s3:// URL', () => {
    const b = blobBackendFromEnv({ NETKEEP_BLOB_STORE: 's3://bk/net/keep/?endpoint=http://127.0.0.1:9000&region=eu-central-1&path_style=true', ...creds }, '/data') as S3BlobBackend;
    expect(b).toBeInstanceOf(S3BlobBackend);
    expect(b.bucket).toBe('bk');
    expect(b.prefix).toBe('net/keep');
    expect(b.region).toBe('eu-central-1');
    expect(b.pathStyle).toBe(true);
    expect(b.endpoint.href).toBe('http://127.0.0.1:9000/');
    expect(b.description).toBe('S3 bucket "bk" prefix "net/keep/" at http://127.0.0.1:9000');
    b.close();
  });

  it('accepts the standard AWS_* variables', () => {
    const o = s3OptionsFromEnv('s3://bk', { AWS_ACCESS_KEY_ID: 'A', AWS_SECRET_ACCESS_KEY: 'S', AWS_SESSION_TOKEN: 'T', AWS_REGION: 'ap-south-1', AWS_ENDPOINT_URL_S3: 'https://minio.lan' });
    expect(o).toMatchObject({ bucket: 'bk', prefix: '', region: 'ap-south-1', endpoint: 'https://minio.lan', credentials: { accessKeyId: 'A', secretAccessKey: 'S', sessionToken: 'T' } });
    // netkeep's own names win
    expect(s3OptionsFromEnv('s3://bk', { ...creds, AWS_ACCESS_KEY_ID: 'A', AWS_SECRET_ACCESS_KEY: 'S' }).credentials.accessKeyId).toBe('AKID');
  });

  it('refuses bad configurations clearly, without echoing secrets', () => {
    const err = (env: Record<string, string>) => {
      try {
        blobBackendFromEnv(env, '/data');
      } catch (e) {
        return e as NetkeepError;
      }
      throw new Error('expected a configuration error');
    };
    expect(err({ NETKEEP_BLOB_STORE: 's3://bk' }).message).toMatch(/needs credentials: set NETKEEP_S3_ACCESS_KEY_ID/);
    const inUrl = err({ NETKEEP_BLOB_STORE: 's3://AKID:hunter2@bk/p', ...creds });
    expect(inUrl.failureClass).toBe('config_error');
    expect(inUrl.message).toMatch(/credentials do not belong in the URL/);
    expect(inUrl.message).not.toContain('hunter2');
    expect(err({ NETKEEP_BLOB_STORE: 's3://bk?pathstyle=true', ...creds }).message).toMatch(/unknown option "pathstyle"/);
    expect(err({ NETKEEP_BLOB_STORE: 's3://bk?path_style=maybe', ...creds }).message).toMatch(/path_style=maybe is not true or false/);
    expect(err({ NETKEEP_BLOB_STORE: 's3://bk?endpoint=ftp://x', ...creds }).message).toMatch(/http:\/\/ or https:\/\//);
    expect(err({ NETKEEP_BLOB_STORE: 'relative/dir', ...creds }).message).toMatch(/neither s3:\/\/BUCKET\/PREFIX nor an absolute path/);
    expect(err({ NETKEEP_BLOB_STORE: 's3://bk?ca_file=/nonexistent/ca.pem', ...creds }).message).toMatch(/cannot read the S3 CA file/);
  });
});

describe('blob store over S3', () => {
  let s3: TestS3;
  let t: TestDb;
  let s3b: S3BlobBackend;
  let store: BlobStore;
  let dataDir: string;
  beforeAll(async () => {
    s3 = await startS3Server({ bucket: 'netkeep-store' });
    t = await freshDb('pglite');
    dataDir = tempDir();
    s3b = new S3BlobBackend({ endpoint: s3.endpoint, bucket: s3.bucket, prefix: 'blobs', credentials: s3 });
    store = new BlobStore({ db: t.db, keyring: keyringFor(dataDir), backend: s3b });
  });
  afterAll(async () => {
    s3b?.close();
    await t?.close();
    await s3?.close();
    cleanupDirs();
  });

  it('round-trips a config compressed and encrypted', async () => {
    const text = sampleConfig(400, 1, 's3-r1');
    const r = await store.put(text, { compress: true, encrypt: true });
    expect(r).toMatchObject({ sha256: sha256Hex(Buffer.from(text)), created: true, compression: 'zstd', encryption: 'aes-256-gcm' });
    expect(await store.getText(r.sha256)).toBe(text);
    const stored = (await s3b.get(r.sha256))!;
    expect(stored.subarray(0, 5).equals(Buffer.from([0x4e, 0x4b, 0x42, 0x31, 3]))).toBe(true); // NKB1, zstd|gcm
    expect(stored.includes(Buffer.from('hostname s3-r1'))).toBe(false);
    expect(r.storedSize).toBe(stored.length);
    expect(await s3b.size(r.sha256)).toBe(stored.length);
  });

  it('stores identical content once', async () => {
    const text = sampleConfig(200, 2, 's3-dedup');
    const before = (await collect(s3b.list())).length;
    const a = await store.put(text);
    const b = await store.put(text);
    expect(a.created).toBe(true);
    expect(b.created).toBe(false);
    expect(b.sha256).toBe(a.sha256);
    expect((await collect(s3b.list())).length).toBe(before + 1);
  });

  it('catches an object overwritten directly through the S3 API, and heals it on the next put', async () => {
    const text = sampleConfig(150, 3, 's3-tamper');
    const r = await store.put(text, { compress: true, encrypt: true });
    const raw = (await s3b.get(r.sha256))!;
    raw[raw.length - 3] ^= 0x40;
    expect(await rawPut(s3, `blobs/${r.sha256}`, raw)).toBe(200);
    const e = await store.get(r.sha256).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(BlobError);
    expect(e).toMatchObject({ status: 'tampered', failureClass: 'storage_error' });
    expect(await store.verify(r.sha256)).toMatchObject({ status: 'tampered' });
    // the next backup of the same config rewrites it
    await store.put(text, { compress: true, encrypt: true });
    expect(await store.getText(r.sha256)).toBe(text);
  });

  it('reports a blob deleted from the bucket as missing', async () => {
    const r = await store.put(sampleConfig(50, 4, 's3-gone'));
    await s3b.delete(r.sha256);
    await expect(store.get(r.sha256)).rejects.toMatchObject({ status: 'missing', message: expect.stringContaining('S3 bucket "netkeep-store"') });
  });

  it('is what BlobStore.forContext picks when NETKEEP_BLOB_STORE names a bucket', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, {
      NETKEEP_BLOB_STORE: `s3://${s3.bucket}/ctx?endpoint=${encodeURIComponent(s3.endpoint)}&path_style=true`,
      NETKEEP_S3_ACCESS_KEY_ID: s3.accessKeyId,
      NETKEEP_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
    });
    try {
      const ctxStore = BlobStore.forContext({ db: t.db, keyring: keyringFor(dataDir), dataDir });
      expect(ctxStore.backend).toBeInstanceOf(S3BlobBackend);
      const r = await ctxStore.put(sampleConfig(30, 5, 's3-ctx'));
      expect(await s3b.get(r.sha256)).toBeUndefined(); // under prefix ctx/, not blobs/
      expect(await ctxStore.getText(r.sha256)).toContain('hostname s3-ctx');
      (ctxStore.backend as S3BlobBackend).close();
    } finally {
      for (const k of ['NETKEEP_BLOB_STORE', 'NETKEEP_S3_ACCESS_KEY_ID', 'NETKEEP_S3_SECRET_ACCESS_KEY']) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
    }
  });
});

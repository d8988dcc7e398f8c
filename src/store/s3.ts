// Blobs in an S3-compatible object store (AWS S3, MinIO, Ceph RGW, Garage, …), for workers on
// many hosts that share one blob store. Speaks the S3 REST API directly over node:http(s) with a
// small AWS Signature V4 signer (below): five calls (PUT, GET, HEAD, DELETE, ListObjectsV2) do
// not justify the AWS SDK (docs/decisions/0011-s3-backend.md).
//
// Object names: "<prefix>/<sha256>" (flat: the SHA-256 already spreads keys evenly).
// Atomicity: an S3 PUT is all-or-nothing for readers, and durable when it answers 200; the body
// carries its SHA-256 in the signed x-amz-content-sha256 header, so a server that checks it
// (AWS, MinIO) refuses a body damaged on the way. The BlobStore reads every put back anyway.
// Errors: a missing object is `undefined` (the BlobStore reports it as a missing blob); anything
// else is NetkeepError('storage_error') saying what to check. 5xx, throttling (SlowDown, 429),
// timeouts and network errors are retried with exponential backoff and jitter; 4xx are not.
// Secrets: the secret key and session token live in private fields, never in a message,
// a description or a log line.
import { createHash, createHmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { NetkeepError } from '../errors.ts';
import { checkKey, type BlobBackend } from './backend.ts';

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface S3BackendOptions {
  /** Base URL of the service, e.g. "http://127.0.0.1:9000"; default https://s3.<region>.amazonaws.com. */
  endpoint?: string;
  /** Signing region (default "us-east-1"; MinIO, Ceph and Garage accept it unless configured otherwise). */
  region?: string;
  bucket: string;
  /** Folder inside the bucket ("netkeep/blobs"); "" for the bucket root. */
  prefix?: string;
  credentials: S3Credentials;
  /** Path-style URLs (http://host/bucket/key) instead of virtual-host (http://bucket.host/key).
   * Default: true with an explicit endpoint (MinIO, Ceph, Garage), false for AWS. */
  pathStyle?: boolean;
  /** Verify the server's TLS certificate (default true). */
  tlsVerify?: boolean;
  /** Extra CA certificate(s) (PEM) to trust, for a private CA. */
  ca?: string | Buffer;
  /** Deadline of one HTTP attempt, ms (default 30 000). */
  timeoutMs?: number;
  /** Attempts per operation for retryable failures (default 4). */
  attempts?: number;
  /** First backoff delay, ms (default 200; doubled each retry, capped at 5 000, with jitter). */
  backoffMs?: number;
  /** ListObjectsV2 page size (default 1000, the S3 maximum). */
  pageSize?: number;
}

interface Resp {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

interface Req {
  method: 'GET' | 'PUT' | 'HEAD' | 'DELETE';
  /** Object key inside the bucket (already including the prefix); undefined for the bucket itself. */
  key?: string;
  query?: Record<string, string>;
  body?: Buffer;
  /** What is being done, for messages ("reading blob ab12…"). */
  what: string;
}

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const RETRY_CODES = new Set(['SlowDown', 'Throttling', 'ThrottlingException', 'RequestTimeout', 'InternalError', 'ServiceUnavailable', 'RequestLimitExceeded', 'TooManyRequests']);

/** RFC 3986 percent-encoding as SigV4 wants it (encodeURIComponent leaves !'()* alone). */
export function uriEncode(s: string, keepSlash = false): string {
  const e = encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
  return keepSlash ? e.replace(/%2F/g, '/') : e;
}

const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();
const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/** "20130524T000000Z" */
export function amzDate(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

export interface SignInput {
  method: string;
  /** Already-encoded path ("/bucket/key"). */
  path: string;
  query: Record<string, string>;
  /** Lower-case names; must include host. */
  headers: Record<string, string>;
  payloadHash: string;
  region: string;
  service?: string;
  date: Date;
  credentials: S3Credentials;
}

/**
 * AWS Signature Version 4 (header form): the Authorization header value for a request whose
 * `headers` (host, x-amz-date, x-amz-content-sha256, [x-amz-security-token], …) are all signed.
 */
export function signV4(i: SignInput): { authorization: string; canonicalRequest: string; stringToSign: string } {
  const service = i.service ?? 's3';
  const stamp = amzDate(i.date);
  const day = stamp.slice(0, 8);
  const names = Object.keys(i.headers)
    .map((h) => h.toLowerCase())
    .sort();
  const lower: Record<string, string> = {};
  for (const [k, v] of Object.entries(i.headers)) lower[k.toLowerCase()] = String(v).trim().replace(/\s+/g, ' ');
  const canonicalQuery = Object.keys(i.query)
    .sort()
    .map((k) => `${uriEncode(k)}=${uriEncode(i.query[k]!)}`)
    .join('&');
  const canonicalRequest = [i.method, i.path, canonicalQuery, names.map((h) => `${h}:${lower[h]}\n`).join(''), names.join(';'), i.payloadHash].join('\n');
  const scope = `${day}/${i.region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', stamp, scope, sha256(canonicalRequest)].join('\n');
  const kDate = hmac('AWS4' + i.credentials.secretAccessKey, day);
  const kSigning = hmac(hmac(hmac(kDate, i.region), service), 'aws4_request');
  const signature = createHmac('sha256', kSigning).update(stringToSign, 'utf8').digest('hex');
  return {
    authorization: `AWS4-HMAC-SHA256 Credential=${i.credentials.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`,
    canonicalRequest,
    stringToSign,
  };
}

function xmlText(s: string): string {
  return s.replace(/&(lt|gt|quot|apos|amp|#\d+|#x[0-9a-fA-F]+);/g, (_, e: string) => {
    switch (e) {
      case 'lt':
        return '<';
      case 'gt':
        return '>';
      case 'quot':
        return '"';
      case 'apos':
        return "'";
      case 'amp':
        return '&';
    }
    return String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
  });
}

/** The text of every <tag>…</tag> in an XML document (S3 answers are flat enough for this). */
function xmlAll(xml: string, tag: string): string[] {
  const out: string[] = [];
  const re = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g');
  for (let m = re.exec(xml); m; m = re.exec(xml)) out.push(xmlText(m[1]!));
  return out;
}
const xmlOne = (xml: string, tag: string) => xmlAll(xml, tag)[0];

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A retryable failure of one attempt (network error, timeout, 5xx, throttling). */
class Retryable extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export class S3BlobBackend implements BlobBackend {
  readonly description: string;
  readonly bucket: string;
  readonly prefix: string;
  readonly region: string;
  readonly endpoint: URL;
  readonly pathStyle: boolean;
  readonly timeoutMs: number;
  readonly attempts: number;
  readonly backoffMs: number;
  readonly pageSize: number;
  readonly #credentials: S3Credentials;
  readonly #agent: http.Agent;

  constructor(o: S3BackendOptions) {
    if (!o.bucket) throw new NetkeepError('config_error', 'the S3 blob store needs a bucket name (NETKEEP_BLOB_STORE=s3://BUCKET/prefix)');
    if (!o.credentials?.accessKeyId || !o.credentials?.secretAccessKey) {
      throw new NetkeepError('config_error', 'the S3 blob store needs an access key: set NETKEEP_S3_ACCESS_KEY_ID and NETKEEP_S3_SECRET_ACCESS_KEY (or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)');
    }
    this.region = o.region || 'us-east-1';
    let endpoint: URL;
    try {
      endpoint = new URL(o.endpoint ?? `https://s3.${this.region}.amazonaws.com`);
    } catch {
      throw new NetkeepError('config_error', `the S3 endpoint "${o.endpoint}" is not a URL; write it as http(s)://host[:port]`);
    }
    if (endpoint.protocol !== 'http:' && endpoint.protocol !== 'https:') {
      throw new NetkeepError('config_error', `the S3 endpoint must be http:// or https://, not ${endpoint.protocol}`);
    }
    if (endpoint.username || endpoint.password) {
      throw new NetkeepError('config_error', 'do not put credentials in the S3 endpoint URL; set NETKEEP_S3_ACCESS_KEY_ID and NETKEEP_S3_SECRET_ACCESS_KEY');
    }
    this.endpoint = endpoint;
    this.bucket = o.bucket;
    this.prefix = (o.prefix ?? '').replace(/^\/+|\/+$/g, '');
    this.pathStyle = o.pathStyle ?? o.endpoint !== undefined;
    this.timeoutMs = o.timeoutMs ?? 30_000;
    this.attempts = Math.max(1, o.attempts ?? 4);
    this.backoffMs = o.backoffMs ?? 200;
    this.pageSize = Math.min(Math.max(1, o.pageSize ?? 1000), 1000);
    this.#credentials = { ...o.credentials };
    const agentOpts = { keepAlive: true, maxSockets: 16 };
    this.#agent =
      endpoint.protocol === 'https:'
        ? new https.Agent({ ...agentOpts, rejectUnauthorized: o.tlsVerify ?? true, ...(o.ca ? { ca: o.ca } : {}) })
        : new http.Agent(agentOpts);
    const base = endpoint.origin + endpoint.pathname.replace(/\/+$/, '');
    this.description = `S3 bucket "${this.bucket}"${this.prefix ? ` prefix "${this.prefix}/"` : ''} at ${base}`;
  }

  /** Object name of a blob key. */
  objectKey(key: string): string {
    checkKey(key);
    return this.prefix ? `${this.prefix}/${key}` : key;
  }

  /** Host and encoded path of a request (path-style or virtual-host). */
  target(key?: string): { host: string; hostname: string; port: string; path: string } {
    const ep = this.endpoint;
    const basePath = ep.pathname.replace(/\/+$/, '');
    const objPath = key === undefined ? '/' : '/' + uriEncode(key, true);
    if (this.pathStyle) {
      return { host: ep.host, hostname: ep.hostname, port: ep.port, path: `${basePath}/${uriEncode(this.bucket)}${key === undefined ? '' : objPath}` };
    }
    const hostname = `${this.bucket}.${ep.hostname}`;
    return { host: ep.port ? `${hostname}:${ep.port}` : hostname, hostname, port: ep.port, path: `${basePath}${objPath}` };
  }

  /** Stop keeping idle connections open (tests, shutdown). */
  close(): void {
    this.#agent.destroy();
  }

  // --- BlobBackend ---------------------------------------------------------------------------

  async put(key: string, bytes: Buffer): Promise<void> {
    const r = await this.request({ method: 'PUT', key: this.objectKey(key), body: bytes, what: `writing blob ${key}` });
    if (r.status !== 200) throw this.fail(r, `writing blob ${key}`);
  }

  async get(key: string): Promise<Buffer | undefined> {
    const r = await this.request({ method: 'GET', key: this.objectKey(key), what: `reading blob ${key}` });
    if (r.status === 200) return r.body;
    if (r.status === 404 && this.s3Code(r) !== 'NoSuchBucket') return undefined;
    throw this.fail(r, `reading blob ${key}`);
  }

  async exists(key: string): Promise<boolean> {
    return (await this.size(key)) !== undefined;
  }

  async size(key: string): Promise<number | undefined> {
    const r = await this.request({ method: 'HEAD', key: this.objectKey(key), what: `looking up blob ${key}` });
    if (r.status === 200) return Number(r.headers['content-length'] ?? 0);
    if (r.status === 404) {
      // A HEAD answer has no body: tell a missing bucket from a missing object once.
      if (!(await this.bucketExists())) throw this.noBucket();
      return undefined;
    }
    throw this.fail(r, `looking up blob ${key}`);
  }

  async delete(key: string): Promise<void> {
    const r = await this.request({ method: 'DELETE', key: this.objectKey(key), what: `deleting blob ${key}` });
    if (r.status === 204 || r.status === 200) return;
    if (r.status === 404 && this.s3Code(r) !== 'NoSuchBucket') return;
    throw this.fail(r, `deleting blob ${key}`);
  }

  async *list(): AsyncIterable<string> {
    const pre = this.prefix ? this.prefix + '/' : '';
    let token: string | undefined;
    for (;;) {
      const query: Record<string, string> = { 'list-type': '2', 'max-keys': String(this.pageSize) };
      if (pre) query.prefix = pre;
      if (token) query['continuation-token'] = token;
      const r = await this.request({ method: 'GET', query, what: 'listing blobs' });
      if (r.status !== 200) throw this.fail(r, 'listing blobs');
      const xml = r.body.toString('utf8');
      for (const name of xmlAll(xml, 'Key')) {
        const k = name.slice(pre.length);
        if (name.startsWith(pre) && /^[0-9a-f]{64}$/.test(k)) yield k;
      }
      const truncated = xmlOne(xml, 'IsTruncated') === 'true';
      token = xmlOne(xml, 'NextContinuationToken');
      if (!truncated) return;
      if (!token) throw new NetkeepError('storage_error', `${this.description} answered a truncated listing without a continuation token; the server does not implement ListObjectsV2 correctly`);
    }
  }

  /** Whether the bucket exists and these credentials may use it (HEAD bucket). */
  async bucketExists(): Promise<boolean> {
    const r = await this.request({ method: 'HEAD', what: 'checking the bucket' });
    if (r.status === 200) return true;
    if (r.status === 404) return false;
    throw this.fail(r, 'checking the bucket');
  }

  // --- HTTP ----------------------------------------------------------------------------------

  private s3Code(r: Resp): string | undefined {
    return r.body.length ? xmlOne(r.body.toString('utf8'), 'Code') : undefined;
  }

  private noBucket(): NetkeepError {
    return new NetkeepError(
      'storage_error',
      `the bucket "${this.bucket}" does not exist at ${this.endpoint.origin}; create it (e.g. \`mc mb\`, \`aws s3 mb\`) or correct NETKEEP_BLOB_STORE`,
      { bucket: this.bucket, status: 404, code: 'NoSuchBucket' },
    );
  }

  /** A clear NetkeepError for a non-retryable (or finally failed) answer. */
  private fail(r: Resp, what: string): NetkeepError {
    const code = this.s3Code(r);
    const s3msg = r.body.length ? xmlOne(r.body.toString('utf8'), 'Message') : undefined;
    const details = { status: r.status, code, bucket: this.bucket, endpoint: this.endpoint.origin };
    const where = this.description;
    if (r.status === 404 && code === 'NoSuchBucket') return this.noBucket();
    if (r.status === 403 || r.status === 401) {
      let why: string;
      if (code === 'SignatureDoesNotMatch') why = 'the secret access key does not match the access key id (SignatureDoesNotMatch)';
      else if (code === 'InvalidAccessKeyId') why = 'the access key id is unknown to the server (InvalidAccessKeyId)';
      else if (code === 'RequestTimeTooSkewed') why = 'the clock of this host is more than 15 minutes off the server\'s; fix its time (NTP)';
      else if (code === 'ExpiredToken' || code === 'InvalidToken') why = `the session token was refused (${code}); renew it`;
      else why = `access denied (${code ?? `HTTP ${r.status}`})`;
      return new NetkeepError('storage_error', `${where} refused ${what}: ${why}; check the access key and bucket policy`, { ...details, retryable: false });
    }
    return new NetkeepError(
      'storage_error',
      `${where}: ${what} failed with HTTP ${r.status}${code ? ` ${code}` : ''}${s3msg ? ` (${s3msg})` : ''}`,
      { ...details, retryable: r.status >= 500 || r.status === 429 },
    );
  }

  /** One operation: sign, send, retry transient failures with backoff. Resolves with the answer of the last attempt. */
  private async request(q: Req): Promise<Resp> {
    let last: Retryable | undefined;
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      if (attempt > 1) {
        const cap = Math.min(5_000, this.backoffMs * 2 ** (attempt - 2));
        await sleep(cap / 2 + Math.random() * (cap / 2));
      }
      try {
        const r = await this.once(q);
        // 5xx (503 SlowDown included), 429 and throttling / request-timeout codes: try again.
        if (r.status >= 500 || r.status === 429 || RETRY_CODES.has(this.s3Code(r) ?? '')) {
          last = new Retryable(this.s3Code(r) ?? `HTTP ${r.status}`, `HTTP ${r.status}`);
          if (attempt === this.attempts) return r;
          continue;
        }
        return r;
      } catch (err) {
        if (!(err instanceof Retryable)) throw err;
        last = err;
      }
    }
    throw new NetkeepError(
      'storage_error',
      `could not reach ${this.description} while ${q.what}: ${last?.message ?? 'unknown error'} (${this.attempts} attempt${this.attempts > 1 ? 's' : ''}); ` +
        'check that the endpoint is up and reachable from this host; the operation can be retried',
      { code: last?.code, endpoint: this.endpoint.origin, transient: true },
      { cause: last },
    );
  }

  private once(q: Req): Promise<Resp> {
    const t = this.target(q.key);
    const body = q.body ?? Buffer.alloc(0);
    const payloadHash = q.body ? sha256(body) : EMPTY_SHA256;
    const now = new Date();
    const headers: Record<string, string> = {
      host: t.host,
      'x-amz-content-sha256': payloadHash,
      'x-amz-date': amzDate(now),
    };
    if (this.#credentials.sessionToken) headers['x-amz-security-token'] = this.#credentials.sessionToken;
    const query = q.query ?? {};
    const { authorization } = signV4({
      method: q.method,
      path: t.path,
      query,
      headers,
      payloadHash,
      region: this.region,
      date: now,
      credentials: this.#credentials,
    });
    const qs = Object.keys(query)
      .sort()
      .map((k) => `${uriEncode(k)}=${uriEncode(query[k]!)}`)
      .join('&');
    const mod = this.endpoint.protocol === 'https:' ? https : http;
    return new Promise<Resp>((resolve, reject) => {
      let done = false;
      const finish = (f: () => void) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        f();
      };
      const req = mod.request(
        {
          method: q.method,
          hostname: this.endpoint.hostname.replace(/^\[|\]$/g, ''),
          port: t.port || undefined,
          path: t.path + (qs ? `?${qs}` : ''),
          headers: { ...headers, authorization, 'content-length': String(body.length) },
          agent: this.#agent,
          // Virtual-host style: connect to the endpoint, present the bucket's host name (TLS SNI too).
          ...(this.pathStyle || this.endpoint.protocol !== 'https:' ? {} : { servername: t.hostname }),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => finish(() => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) })));
          res.on('error', (err) => finish(() => reject(new Retryable((err as NodeJS.ErrnoException).code ?? 'ERR', `connection failed mid-answer (${err.message})`, { cause: err }))));
        },
      );
      const timer = setTimeout(() => {
        finish(() => reject(new Retryable('ETIMEDOUT', `no answer within ${this.timeoutMs} ms`)));
        req.destroy();
      }, this.timeoutMs);
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code && /^(ERR_TLS|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|ERR_SSL)/.test(err.code)) {
          finish(() =>
            reject(
              new NetkeepError(
                'storage_error',
                `TLS to ${this.endpoint.origin} failed (${err.code}: ${err.message}); give netkeep the server's CA (ca_file=… in NETKEEP_BLOB_STORE or NETKEEP_S3_CA_FILE)`,
                { code: err.code, endpoint: this.endpoint.origin, retryable: false },
                { cause: err },
              ),
            ),
          );
          return;
        }
        finish(() => reject(new Retryable(err.code ?? 'ERR', err.code ? `${err.code} (${err.message})` : err.message, { cause: err })));
      });
      req.end(body.length ? body : undefined);
    });
  }
}

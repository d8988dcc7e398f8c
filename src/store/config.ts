// Which blob backend a netkeep process uses, from its environment:
//
//   NETKEEP_BLOB_STORE unset or empty    → filesystem at DATA_DIR/blobs (the default)
//   NETKEEP_BLOB_STORE=/abs/path | file:///abs/path → filesystem there
//   NETKEEP_BLOB_STORE=s3://BUCKET[/PREFIX][?endpoint=URL&region=R&path_style=true|false
//                        &tls_verify=true|false&ca_file=PATH&timeout_ms=N&attempts=N]
//     with NETKEEP_S3_ACCESS_KEY_ID / NETKEEP_S3_SECRET_ACCESS_KEY [/ NETKEEP_S3_SESSION_TOKEN]
//     (or the standard AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN).
//     Region falls back to NETKEEP_S3_REGION, AWS_REGION, AWS_DEFAULT_REGION, then us-east-1;
//     the endpoint to NETKEEP_S3_ENDPOINT, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, then AWS;
//     the CA file to NETKEEP_S3_CA_FILE.
//
// Secrets are read from the environment only (never from the URL) and never appear in a message.
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NetkeepError } from '../errors.ts';
import { FsBlobBackend, type BlobBackend } from './backend.ts';
import { S3BlobBackend, type S3BackendOptions } from './s3.ts';

type Env = Record<string, string | undefined>;

const S3_PARAMS = new Set(['endpoint', 'region', 'path_style', 'tls_verify', 'ca_file', 'timeout_ms', 'attempts']);

const bad = (msg: string) => new NetkeepError('config_error', `NETKEEP_BLOB_STORE: ${msg}`);

function bool(name: string, v: string): boolean {
  if (/^(1|true|yes|on)$/i.test(v)) return true;
  if (/^(0|false|no|off)$/i.test(v)) return false;
  throw bad(`${name}=${v} is not true or false`);
}

function posInt(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw bad(`${name}=${v} is not a positive integer`);
  return n;
}

const pick = (env: Env, ...names: string[]) => {
  for (const n of names) {
    const v = env[n];
    if (v !== undefined && v !== '') return v;
  }
  return undefined;
};

/** The S3 options described by an s3:// URL and the environment (exported for tests and `doctor`-style checks). */
export function s3OptionsFromEnv(spec: string, env: Env): S3BackendOptions {
  let url: URL;
  try {
    url = new URL(spec);
  } catch {
    throw bad('not a URL; write it as s3://BUCKET/PREFIX?endpoint=http://HOST:PORT');
  }
  if (url.username || url.password) {
    throw bad('credentials do not belong in the URL; set NETKEEP_S3_ACCESS_KEY_ID and NETKEEP_S3_SECRET_ACCESS_KEY');
  }
  const bucket = decodeURIComponent(url.hostname);
  if (!bucket) throw bad('no bucket; write it as s3://BUCKET/PREFIX');
  const prefix = decodeURIComponent(url.pathname).replace(/^\/+|\/+$/g, '');
  for (const k of url.searchParams.keys()) {
    if (!S3_PARAMS.has(k)) throw bad(`unknown option "${k}" (known: ${[...S3_PARAMS].join(', ')})`);
  }
  const p = (k: string) => url.searchParams.get(k) ?? undefined;
  const accessKeyId = pick(env, 'NETKEEP_S3_ACCESS_KEY_ID', 'AWS_ACCESS_KEY_ID');
  const secretAccessKey = pick(env, 'NETKEEP_S3_SECRET_ACCESS_KEY', 'AWS_SECRET_ACCESS_KEY');
  if (!accessKeyId || !secretAccessKey) {
    throw new NetkeepError(
      'config_error',
      `the S3 blob store (bucket "${bucket}") needs credentials: set NETKEEP_S3_ACCESS_KEY_ID and NETKEEP_S3_SECRET_ACCESS_KEY (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)`,
    );
  }
  const sessionToken = pick(env, 'NETKEEP_S3_SESSION_TOKEN', 'AWS_SESSION_TOKEN');
  const o: S3BackendOptions = {
    bucket,
    prefix,
    region: p('region') || pick(env, 'NETKEEP_S3_REGION', 'AWS_REGION', 'AWS_DEFAULT_REGION') || 'us-east-1',
    credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) },
  };
  const endpoint = p('endpoint') || pick(env, 'NETKEEP_S3_ENDPOINT', 'AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL');
  if (endpoint) o.endpoint = endpoint;
  const ps = p('path_style');
  if (ps !== undefined) o.pathStyle = bool('path_style', ps);
  const tv = p('tls_verify');
  if (tv !== undefined) o.tlsVerify = bool('tls_verify', tv);
  const caFile = p('ca_file') || pick(env, 'NETKEEP_S3_CA_FILE');
  if (caFile) {
    try {
      o.ca = readFileSync(caFile);
    } catch (err) {
      throw new NetkeepError('config_error', `cannot read the S3 CA file ${caFile}: ${(err as Error).message}`, undefined, { cause: err });
    }
  }
  const to = p('timeout_ms');
  if (to !== undefined) o.timeoutMs = posInt('timeout_ms', to);
  const at = p('attempts');
  if (at !== undefined) o.attempts = posInt('attempts', at);
  return o;
}

/** The blob backend this process uses: NETKEEP_BLOB_STORE, else the filesystem under DATA_DIR/blobs. */
export function blobBackendFromEnv(env: Env, dataDir: string): BlobBackend {
  const spec = (env.NETKEEP_BLOB_STORE ?? '').trim();
  if (!spec) return new FsBlobBackend(join(dataDir, 'blobs'));
  if (/^s3:\/\//i.test(spec)) return new S3BlobBackend(s3OptionsFromEnv(spec, env));
  if (/^file:\/\//i.test(spec)) return new FsBlobBackend(fileURLToPath(spec));
  if (isAbsolute(spec)) return new FsBlobBackend(spec);
  throw bad(`"${spec.replace(/\?.*/, '')}" is neither s3://BUCKET/PREFIX nor an absolute path`);
}

// HTTPS requests for the REST protocols: one TLS connection per request, deadlines on every
// phase, and netkeep's TLS policy. Knows bytes and certificates, never vendors.
//
// TLS policy (decided per device, verification on by default):
// * default: the chain must verify against the system roots, or against the device's own
//   CA (`tls.ca`) when one is given, and the certificate must name the host;
// * `tls.fingerprint`: the peer certificate's SHA-256 (of its DER) must equal the pin,
//   whatever the CA and the name (self-signed gear);
// * `tls.insecure`: anything is accepted; the caller reports it so the API/UI can warn.
// The handshake always completes with `rejectUnauthorized: false` and the verdict is taken
// on the socket before any byte of the request (and its credentials) is written: so a
// refused certificate still yields its fingerprint for the operator to pin.
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { NetkeepError, classify } from '../errors.ts';
import type { TlsOptions } from '../backup/protocol-types.ts';

export interface HttpsRequest {
  host: string;
  port: number;
  method: string;
  /** Path with query string. */
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  tls?: TlsOptions;
  /** Name to check the certificate against (and send as SNI) when it differs from `host`. */
  servername?: string;
  /** connect: TCP + TLS handshake; idle: socket inactivity; total: this request. Defaults 10 s / 30 s / 120 s. */
  timeouts?: { connectMs?: number; idleMs?: number; totalMs?: number };
  /** Absolute deadline (epoch ms) of the whole fetch this request belongs to. */
  deadline?: number;
  signal?: AbortSignal;
  /** Largest response body accepted (default 64 MiB). */
  maxBytes?: number;
}

export interface HttpsResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** Media type without parameters, lower case ('' when absent). */
  contentType: string;
  /** "sha256/AA:BB:…" of the peer certificate. */
  tlsFingerprint: string;
  /** True when the connection was accepted only because of the insecure flag. */
  insecure: boolean;
}

const DEFAULTS = { connectMs: 10_000, idleMs: 30_000, totalMs: 120_000 };

/** "sha256/AA:BB:…" from DER bytes. */
export function fingerprintOf(der: Buffer): string {
  const hex = createHash('sha256').update(der).digest('hex').toUpperCase();
  return `sha256/${hex.match(/../g)!.join(':')}`;
}

/** Normalise an operator-given pin ("sha256/AA:BB:…", "sha256:aabb…", plain hex) to "sha256/AA:BB:…". */
export function normalizeFingerprint(pin: string): string {
  const hex = pin
    .trim()
    .replace(/^sha-?256\s*[/:=]?\s*/i, '')
    .replace(/[:\s-]/g, '')
    .toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex)) {
    throw new NetkeepError('config_error', `the pinned TLS fingerprint "${pin}" is not a SHA-256 fingerprint; give it as sha256/AA:BB:… (64 hex digits), as shown in the error of a refused certificate`);
  }
  return `sha256/${hex.match(/../g)!.join(':')}`;
}

/** The advice every refused certificate carries. */
export function pinAdvice(fp: string): string {
  return `pin the fingerprint ${fp} or give the device's CA, or (not recommended) insecure`;
}

const TLS_HANDSHAKE_CODES = /^(ERR_SSL_|ERR_TLS_|EPROTO$)/;

function mapError(err: unknown, where: string): NetkeepError {
  if (err instanceof NetkeepError) return err;
  const e = err as NodeJS.ErrnoException;
  if (e?.code && (TLS_HANDSHAKE_CODES.test(e.code) || /ssl|tls/i.test(e.message ?? ''))) {
    const reason = (e as { reason?: string }).reason ?? e.message.split('\n')[0];
    return new NetkeepError('protocol_error', `${where}: TLS handshake failed (${reason}); check that this port speaks HTTPS (the management API port) and the device's TLS settings`, { code: e.code }, { cause: err });
  }
  if (e?.code === 'HPE_INVALID_CONSTANT' || e?.code?.startsWith?.('HPE_')) {
    return new NetkeepError('protocol_error', `${where}: the answer is not valid HTTP (${e.message}); is this the management API port?`, { code: e.code }, { cause: err });
  }
  const c = classify(err, where);
  if (c.failureClass === 'internal' && /socket hang up/i.test(e?.message ?? '')) {
    return new NetkeepError('connection_reset', `${where}: the device closed the connection before answering; check its API service and session limits`, undefined, { cause: err });
  }
  return c;
}

/** One HTTPS request, fully read. Rejects only with classified NetkeepErrors. */
export function httpsRequest(req: HttpsRequest): Promise<HttpsResponse> {
  const where = `${req.host}:${req.port}`;
  const t = {
    connectMs: req.timeouts?.connectMs ?? DEFAULTS.connectMs,
    idleMs: req.timeouts?.idleMs ?? DEFAULTS.idleMs,
    totalMs: req.timeouts?.totalMs ?? DEFAULTS.totalMs,
  };
  const policy = req.tls ?? {};
  let pin: string | undefined;
  try {
    pin = policy.fingerprint ? normalizeFingerprint(policy.fingerprint) : undefined;
  } catch (err) {
    return Promise.reject(err);
  }
  return new Promise<HttpsResponse>((resolve, reject) => {
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    let socket: tls.TLSSocket | undefined;
    let request: ReturnType<typeof https.request> | undefined;
    let fp = '';
    const started = Date.now();
    const totalAt = Math.min(req.deadline ?? Infinity, started + t.totalMs);

    const finish = (err: NetkeepError | null, res?: HttpsResponse) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onAbort);
      request?.destroy();
      socket?.destroy();
      if (err) reject(err);
      else resolve(res!);
    };
    const arm = (at: number, what: string) => {
      clearTimeout(timer);
      timer = setTimeout(() => finish(new NetkeepError('timeout', `${where}: ${what}; check that the device's API answers (it may be overloaded), or raise the timeout`, { elapsedMs: Date.now() - started })), Math.max(0, at - Date.now()));
    };
    const onAbort = () => finish(new NetkeepError('timeout', `${where}: the fetch was cancelled before the device answered`));
    if (req.signal?.aborted) return onAbort();
    req.signal?.addEventListener('abort', onAbort, { once: true });

    const connectAt = Math.min(totalAt, started + t.connectMs);
    arm(connectAt, connectAt === totalAt ? `no answer within the fetch deadline (${totalAt - started} ms)` : `no TLS connection within ${t.connectMs} ms`);

    const createConnection = (_o: unknown, cb: (err: Error | null, s?: net.Socket) => void): undefined => {
      const isIp = net.isIP(req.host) !== 0;
      const name = req.servername ?? (isIp ? undefined : req.host);
      const s = tls.connect({
        host: req.host,
        port: req.port,
        ...(name && net.isIP(name) === 0 ? { servername: name } : {}),
        ...(req.servername ? { checkServerIdentity: (_h: string, cert: tls.PeerCertificate) => tls.checkServerIdentity(req.servername!, cert) } : {}),
        ...(policy.ca ? { ca: policy.ca } : {}),
        rejectUnauthorized: false, // the verdict is taken below, before anything is written
        ALPNProtocols: ['http/1.1'],
      });
      socket = s;
      s.once('error', (e) => finish(mapError(e, where)));
      s.once('secureConnect', () => {
        const cert = s.getPeerCertificate();
        fp = cert?.raw ? fingerprintOf(cert.raw) : '';
        let refusal: NetkeepError | undefined;
        if (policy.insecure) {
          // accepted by the operator's explicit choice; reported as `insecure`
        } else if (pin) {
          if (fp !== pin) {
            refusal = new NetkeepError('protocol_error', `${where}: the TLS certificate's fingerprint ${fp || '(none)'} differs from the pinned ${pin}; if the device's certificate was renewed on purpose, pin the fingerprint ${fp} (or give the device's CA), otherwise something else answers at this address`, { tlsFingerprint: fp, pinned: pin });
          }
        } else if (!s.authorized) {
          const why = String(s.authorizationError ?? 'unverified');
          const reason = /ALTNAME|Hostname|IP: .* is not in the cert/i.test(why) ? `it does not name ${req.servername ?? req.host}` : 'it is not signed by a trusted CA';
          refusal = new NetkeepError('protocol_error', `${where}: TLS certificate refused: ${reason} (${why}); ${pinAdvice(fp)}`, { tlsFingerprint: fp, authorizationError: why });
        }
        if (refusal) {
          finish(refusal);
          return;
        }
        arm(totalAt, `no complete answer within ${totalAt - started} ms`);
        s.setTimeout(t.idleMs, () => finish(new NetkeepError('timeout', `${where}: the device sent nothing for ${t.idleMs} ms; check that its API answers (it may be overloaded), or raise the idle timeout`)));
        cb(null, s);
      });
      return undefined;
    };

    const headers: Record<string, string> = { 'user-agent': 'netkeep', ...req.headers };
    if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));
    try {
      request = https.request({ host: req.host, port: req.port, method: req.method, path: req.path, headers, createConnection: createConnection as never });
    } catch (err) {
      return finish(mapError(err, where));
    }
    request.on('error', (e) => finish(mapError(e, where)));
    request.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const max = req.maxBytes ?? 64 * 1024 * 1024;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > max) finish(new NetkeepError('protocol_error', `${where}: the answer is larger than ${max} bytes; is this the right API path?`));
        else chunks.push(c);
      });
      res.on('error', (e) => finish(mapError(e, where)));
      res.on('aborted', () => finish(new NetkeepError('connection_reset', `${where}: the device closed the connection in the middle of its answer; try again`)));
      res.on('end', () => {
        if (!res.complete) return finish(new NetkeepError('connection_reset', `${where}: the device closed the connection in the middle of its answer; try again`));
        const ct = String(res.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
        finish(null, { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), contentType: ct, tlsFingerprint: fp, insecure: !!policy.insecure });
      });
    });
    request.end(req.body);
  });
}

// The HTTPS server every REST simulator runs in: 127.0.0.1, a test certificate, request
// recording, and the misbehaviours the fetcher must survive (a 500, an HTML login page with
// 200, a redirect to a login page, a slow answer, no answer at all). Vendor behaviour lives in
// one file per API (./restconf.ts, ./eapi.ts, ...).
import https from 'node:https';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { simCert, simCerts } from './certs.ts';
import type { SimCertKind } from './certs.ts';

export interface SimRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface SimResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/** What the simulated device accepts. */
export interface SimRestAuth {
  username: string;
  password: string;
  /** FortiOS API token. */
  token: string;
  /** PAN-OS API key (also what keygen returns). */
  apiKey: string;
}

export interface SimVendorContext {
  readonly auth: SimRestAuth;
  /** Vendor state (the RESTCONF tree, ...); tests may read and change it. */
  readonly state: Record<string, unknown>;
  /** True when the request carries the right HTTP basic credentials. */
  basicOk(req: SimRequest): boolean;
}

export interface SimVendor {
  id: string;
  /** Initial state. */
  init(): Record<string, unknown>;
  handle(req: SimRequest, ctx: SimVendorContext): SimResponse;
}

export const REST_MISBEHAVIOURS = ['http500', 'html-login', 'redirect-login', 'slow', 'hang'] as const;
export type RestMisbehaviour = (typeof REST_MISBEHAVIOURS)[number];

export interface HttpsSimOptions {
  /** Which certificate the server shows (default 'good': signed by the test CA for 127.0.0.1). */
  cert?: SimCertKind;
  auth?: Partial<SimRestAuth>;
  misbehave?: RestMisbehaviour;
  /** Only requests whose path matches misbehave (default: all). */
  misbehaveOn?: RegExp;
  /** Delay of 'slow' (default 2000 ms). */
  slowMs?: number;
}

export const DEFAULT_SIM_AUTH: SimRestAuth = { username: 'netkeep', password: 'backup-pass', token: 'fortios-token-0123456789', apiKey: 'LUFRPT1netkeepTestKey==' };

const LOGIN_PAGE = `<!DOCTYPE html>
<html><head><title>Login</title></head>
<body><form method="post" action="/login"><input name="username"><input name="password" type="password"><button>Log in</button></form></body></html>
`;

export class HttpsSim {
  readonly host = '127.0.0.1';
  port = 0;
  /** PEM of the CA that signed the 'good' and 'wrong-name' certificates. */
  readonly ca: string;
  /** Fingerprint of the certificate this server shows. */
  readonly fingerprint: string;
  readonly requests: SimRequest[] = [];
  readonly state: Record<string, unknown>;
  readonly auth: SimRestAuth;
  readonly vendor: SimVendor;
  misbehave: RestMisbehaviour | undefined;
  private readonly opts: HttpsSimOptions;
  private readonly server: https.Server;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(vendor: SimVendor, opts: HttpsSimOptions = {}) {
    const c = simCert(opts.cert ?? 'good');
    this.ca = simCerts().ca;
    this.fingerprint = c.fingerprint;
    this.vendor = vendor;
    this.opts = opts;
    this.misbehave = opts.misbehave;
    this.auth = { ...DEFAULT_SIM_AUTH, ...opts.auth };
    this.state = vendor.init();
    this.server = https.createServer({ key: c.key, cert: c.cert }, (req, res) => this.onRequest(req, res));
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server.on('tlsClientError', () => {
      // clients refusing our certificate close the handshake: expected in tests
    });
  }

  async listen(port = 0): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, this.host, () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  private basicOk(req: SimRequest): boolean {
    const m = /^Basic\s+(\S+)$/i.exec(String(req.headers.authorization ?? ''));
    if (!m) return false;
    const [u, ...p] = Buffer.from(m[1], 'base64').toString('utf8').split(':');
    return u === this.auth.username && p.join(':') === this.auth.password;
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'https://sim');
      const sr: SimRequest = { method: req.method ?? 'GET', path: decodeURIComponent(url.pathname), query: url.searchParams, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      this.requests.push(sr);
      const hit = this.misbehave && (!this.opts.misbehaveOn || this.opts.misbehaveOn.test(sr.path));
      const send = (r: SimResponse) => {
        if (res.destroyed) return;
        res.writeHead(r.status, { 'content-type': 'text/plain', ...r.headers });
        res.end(r.body ?? '');
      };
      if (hit && this.misbehave === 'hang') return; // never answers; close() drops the socket
      if (hit && this.misbehave === 'http500') return send({ status: 500, headers: { 'content-type': 'text/plain' }, body: 'Internal Server Error' });
      if (hit && this.misbehave === 'html-login') return send({ status: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body: LOGIN_PAGE });
      if (hit && this.misbehave === 'redirect-login') return send({ status: 302, headers: { location: '/login?redir=' + encodeURIComponent(sr.path) }, body: '' });
      let answer: SimResponse;
      try {
        answer = this.vendor.handle(sr, { auth: this.auth, state: this.state, basicOk: (r) => this.basicOk(r) });
      } catch (err) {
        answer = { status: 500, body: `simulator error: ${(err as Error).message}` };
      }
      if (hit && this.misbehave === 'slow') {
        const t = setTimeout(() => {
          this.timers.delete(t);
          send(answer);
        }, this.opts.slowMs ?? 2000);
        this.timers.add(t);
        return;
      }
      send(answer);
    });
  }

  /** Stop listening, drop every connection (hanging ones too), clear timers. */
  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    for (const s of this.sockets) s.destroy();
    await closed;
  }
}

/** Helpers for vendor files. */
export const json = (status: number, value: unknown, type = 'application/json'): SimResponse => ({ status, headers: { 'content-type': type }, body: JSON.stringify(value) });
export const xml = (status: number, body: string, type = 'application/xml'): SimResponse => ({ status, headers: { 'content-type': type }, body });
export const text = (status: number, body: string, type = 'text/plain'): SimResponse => ({ status, headers: { 'content-type': type }, body });

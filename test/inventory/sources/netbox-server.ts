// A local HTTPS server that answers NetBox's device list from the recorded pages in
// test/fixtures/netbox/<state>/offset-N.json, checks the API token like NetBox, and records requests.
import https from 'node:https';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { simCert, simCerts } from '../../../src/sim/rest/certs.ts';

export const FIXTURES = join(import.meta.dirname, '../../fixtures/netbox');

export interface NetboxServer {
  url: string;
  ca: string;
  fingerprint: string;
  /** Which recorded state to serve: initial, after-changes, bad-platform. */
  state: string;
  requests: { path: string; authorization: string | undefined }[];
  close(): Promise<void>;
}

export async function startNetbox(token: string, cert: 'good' | 'self-signed' = 'good'): Promise<NetboxServer> {
  const c = simCert(cert);
  const srv: NetboxServer = { url: '', ca: simCerts().ca, fingerprint: c.fingerprint, state: 'initial', requests: [], close: async () => {} };
  const server = https.createServer({ key: c.key, cert: c.cert }, (req, res) => {
    srv.requests.push({ path: req.url ?? '', authorization: req.headers.authorization });
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', vary: 'Accept' });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    if (req.headers.authorization !== `Token ${token}`) return send(403, { detail: 'Invalid token.' });
    const u = new URL(req.url ?? '/', 'https://x');
    if (req.method !== 'GET' || u.pathname !== '/api/dcim/devices/') return send(404, { detail: 'Not found.' });
    if (u.searchParams.get('limit') !== '3') return send(400, { detail: 'the recorded pages are of limit=3' });
    const file = join(FIXTURES, srv.state, `offset-${Number(u.searchParams.get('offset') ?? 0)}.json`);
    if (!existsSync(file)) return send(200, { count: 0, next: null, previous: null, results: [] });
    send(200, readFileSync(file, 'utf8'));
  });
  server.on('tlsClientError', () => {});
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  srv.url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  srv.close = () => new Promise<void>((r) => server.close(() => r()));
  return srv;
}

// A bare HTTP listener for GET /metrics, for processes without the API (netkeep worker
// --metrics-port): same registry, same access rule as the API server's route.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { metricsDenied } from './access.ts';
import type { Metrics } from './registry.ts';

export async function startMetricsListener(o: { metrics: Metrics; host: string; port: number; token?: string | undefined }): Promise<{ port: number; close(): Promise<void> }> {
  const token = o.token || undefined;
  const srv = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('netkeep worker: only GET /metrics is served here\n');
      return;
    }
    const denied = metricsDenied({ token, authorization: req.headers.authorization, remoteAddress: req.socket.remoteAddress });
    if (denied) {
      res.writeHead(denied.status, { 'content-type': 'text/plain', ...(denied.status === 401 ? { 'www-authenticate': 'Bearer realm="netkeep metrics"' } : {}) }).end(`${denied.detail}\n`);
      return;
    }
    o.metrics.registry.metrics().then(
      (body) => res.writeHead(200, { 'content-type': o.metrics.registry.contentType }).end(body),
      (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`netkeep: metrics could not be collected (${err.message}); check the database\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(o.port, o.host, () => resolve());
  });
  return { port: (srv.address() as AddressInfo).port, close: () => new Promise<void>((r) => srv.close(() => r())) };
}

// Who may read /metrics: with a token set, only "Authorization: Bearer <token>"; without one,
// only callers on the loopback interface. Shared by the API server and the worker's listener.
import { timingSafeEqual } from 'node:crypto';

export const isLoopback = (ip: string | undefined) => !!ip && (ip === '::1' || ip.startsWith('127.') || ip.startsWith('::ffff:127.'));

export function tokenMatches(header: string | undefined, token: string): boolean {
  const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!m) return false;
  const a = Buffer.from(m[1]!);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** null when allowed; else the status and what to tell the caller. */
export function metricsDenied(o: { token: string | undefined; authorization: string | undefined; remoteAddress: string | undefined }): { status: 401 | 403; detail: string } | null {
  if (o.token) {
    if (tokenMatches(o.authorization, o.token)) return null;
    return { status: 401, detail: 'the metrics need "Authorization: Bearer <NETKEEP_METRICS_TOKEN>"; put the token in the scrape config (authorization.credentials)' };
  }
  if (isLoopback(o.remoteAddress)) return null;
  return { status: 403, detail: 'metrics are served only to 127.0.0.1/::1 while NETKEEP_METRICS_TOKEN is not set; set it and give Prometheus the token, or scrape from this host' };
}

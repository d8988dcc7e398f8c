// Syslog channel: RFC 5424 messages over UDP (one datagram each) or TCP (RFC 6587 octet-counting
// framing), one message per event with the facts as structured data under netkeep@32473.
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { hostname } from 'node:os';
import type { NotifyEvent, ResolvedChannel, SendResult, Severity } from './types.ts';

/** The SD-ID's enterprise number is 32473, the one RFC 5612 reserves for documentation and examples. */
export const SD_ID = 'netkeep@32473';
const SEVERITY: Record<Severity, number> = { error: 3, warning: 4, notice: 5, info: 6 };
const UDP_MAX = 8192;

const printable = (s: string, max: number) => (s.replace(/[^\x21-\x7e]/g, '_').slice(0, max) || '-');
const sdValue = (v: string) => v.replace(/[\\"\]]/g, (c) => `\\${c}`);

export function formatRfc5424(e: NotifyEvent, o: { facility?: number; host?: string; appName?: string; procId?: string } = {}): string {
  const pri = (o.facility ?? 16) * 8 + SEVERITY[e.severity];
  const params: [string, string][] = [['event', e.event]];
  if (e.deviceName) params.push(['device', e.deviceName]);
  if (e.deviceId) params.push(['device_id', e.deviceId]);
  for (const [k, v] of Object.entries(e.data)) if (v !== null && v !== undefined && !['device', 'device_id', 'event'].includes(k)) params.push([printable(k, 32).replace(/[=\]"]/g, '_'), String(v)]);
  const sd = `[${SD_ID} ${params.map(([k, v]) => `${k}="${sdValue(v)}"`).join(' ')}]`;
  const msg = `${e.title}${e.text && e.text !== e.title ? ` — ${e.text.replace(/\s*\n\s*/g, '; ')}` : ''}`;
  return `<${pri}>1 ${e.at.toISOString()} ${printable(o.host ?? hostname(), 255)} ${printable(o.appName ?? 'netkeep', 48)} ${printable(o.procId ?? String(process.pid), 128)} ${printable(e.event, 32)} ${sd} ${msg}`;
}

export async function sendSyslog(ch: ResolvedChannel, events: NotifyEvent[]): Promise<SendResult> {
  const c = ch.config as { host: string; port?: number; transport?: 'udp' | 'tcp'; facility?: number; hostname?: string; app_name?: string };
  const port = c.port ?? 514;
  const lines = events.map((e) => formatRfc5424(e, { facility: c.facility ?? 16, ...(c.hostname ? { host: c.hostname } : {}), ...(c.app_name ? { appName: c.app_name } : {}) }));
  try {
    if ((c.transport ?? 'udp') === 'udp') {
      const sock = createSocket(c.host.includes(':') ? 'udp6' : 'udp4');
      try {
        for (const l of lines) {
          let buf = Buffer.from(l);
          if (buf.length > UDP_MAX) buf = buf.subarray(0, UDP_MAX);
          await new Promise<void>((res, rej) => sock.send(buf, port, c.host, (err) => (err ? rej(err) : res())));
        }
      } finally {
        sock.close();
      }
    } else {
      await new Promise<void>((res, rej) => {
        const s = connect({ host: c.host, port }, () => {
          s.end(lines.map((l) => `${Buffer.byteLength(l)} ${l}`).join(''), () => res());
        });
        s.setTimeout(15_000, () => s.destroy(new Error(`no answer from ${c.host}:${port} within 15 s`)));
        s.on('error', rej);
      });
    }
    return { ok: true, attempts: 1 };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { ok: false, attempts: 1, error: `${e.code ? `${e.code} ` : ''}${e.message}; check that the syslog server ${c.host}:${port} listens on ${c.transport ?? 'udp'}` };
  }
}

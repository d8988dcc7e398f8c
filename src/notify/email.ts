// Email channel over SMTP (nodemailer): STARTTLS required by default (or implicit TLS, or none
// for a local relay), optional login, a CA or certificate to trust for a private relay.
import { isIP } from 'node:net';
import nodemailer from 'nodemailer';
import type { Message } from './format.ts';
import type { ResolvedChannel, SendResult } from './types.ts';

export interface EmailConfig {
  host: string;
  port?: number;
  /** 'starttls' (default: upgrade required), 'implicit' (TLS from the first byte, port 465), 'none'. */
  tls?: 'starttls' | 'implicit' | 'none';
  username?: string;
  from: string;
  to: string[];
  /** PEM of a CA (or the server's own certificate) to trust. */
  ca?: string;
  /** Default true; false accepts any certificate (say so in the channel name, it is a risk). */
  verify_tls?: boolean;
}

export function emailText(m: Message): string {
  return `${m.text}\n${m.diff ? `\n${m.diff}\n` : ''}\n-- \nnetkeep`;
}

export async function sendEmail(ch: ResolvedChannel, m: Message, o: { attempts?: number } = {}): Promise<SendResult> {
  const c = ch.config as unknown as EmailConfig;
  const tls = c.tls ?? 'starttls';
  const transport = nodemailer.createTransport({
    host: c.host,
    port: c.port ?? (tls === 'implicit' ? 465 : 587),
    secure: tls === 'implicit',
    requireTLS: tls === 'starttls',
    ignoreTLS: tls === 'none',
    ...(c.username ? { auth: { user: c.username, pass: ch.secrets.password ?? '' } } : {}),
    tls: { ...(c.ca ? { ca: c.ca } : {}), rejectUnauthorized: c.verify_tls !== false, ...(isIP(c.host) ? {} : { servername: c.host }) },
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 30_000,
  });
  const attempts = Math.max(1, o.attempts ?? 3);
  let error = '';
  let made = 0;
  try {
    for (let i = 1; i <= attempts; i++) {
      made = i;
      try {
        await transport.sendMail({ from: c.from, to: c.to, subject: `[netkeep] ${m.title}`, text: emailText(m), headers: { 'X-Netkeep-Event': m.event } });
        return { ok: true, attempts: i };
      } catch (err) {
        const e = err as Error & { responseCode?: number; code?: string };
        error = `${e.code ? `${e.code}: ` : ''}${e.message}`;
        // 5xx answers (auth, relay refused, bad address) do not get better by retrying
        if (e.responseCode && e.responseCode >= 500) break;
      }
    }
  } finally {
    transport.close();
  }
  return { ok: false, attempts: made, error: `${error}; check the SMTP settings of channel "${ch.name}"` };
}

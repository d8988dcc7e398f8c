// Real local receivers for the notification tests: an HTTP server (webhook, Slack, Teams) that
// records what it gets and can answer errors first, an SMTP server with STARTTLS and login
// (smtp-server, self-signed certificate made with openssl by src/sim/rest/certs.ts), and UDP and
// TCP syslog listeners that parse RFC 5424 (TCP with RFC 6587 octet counting).
import { createSocket } from 'node:dgram';
import { createServer as createHttpServer, type IncomingHttpHeaders } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { simCert } from '../../src/sim/rest/certs.ts';

export interface HttpHit {
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export async function httpReceiver() {
  const hits: HttpHit[] = [];
  /** Statuses to answer next, in order; 200 when empty. */
  const answers: number[] = [];
  const srv = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      hits.push({ url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const status = answers.shift() ?? 200;
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'try later');
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as AddressInfo).port;
  return {
    hits,
    answers,
    url: (path = '/hook') => `http://127.0.0.1:${port}${path}`,
    close: () => new Promise<void>((r) => srv.close(() => r())),
  };
}

export interface Mail {
  from: string;
  to: string[];
  raw: string;
  /** The session was upgraded with STARTTLS before the message was sent. */
  secure: boolean;
  user: string | undefined;
}

export async function smtpReceiver(o: { username: string; password: string }) {
  const cert = simCert('self-signed');
  const mails: Mail[] = [];
  const srv = new SMTPServer({
    key: cert.key,
    cert: cert.cert,
    secure: false, // plain first, then STARTTLS
    authMethods: ['PLAIN', 'LOGIN'],
    // allowInsecureAuth stays false: login is refused until STARTTLS
    onAuth(auth, _session, cb) {
      if (auth.username === o.username && auth.password === o.password) return cb(null, { user: auth.username });
      return cb(new Error('535 authentication failed'));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
          secure: session.secure,
          user: session.user as string | undefined,
        });
        cb();
      });
    },
    logger: false,
    disabledCommands: [],
  });
  srv.on('error', () => {});
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.server.address() as AddressInfo).port;
  return { mails, port, cert: cert.cert, close: () => new Promise<void>((r) => srv.close(() => r())) };
}

export interface SyslogMessage {
  pri: number;
  facility: number;
  severity: number;
  version: number;
  timestamp: string;
  hostname: string;
  appName: string;
  procId: string;
  msgId: string;
  sdId: string;
  params: Record<string, string>;
  msg: string;
}

const RFC5424 = /^<(\d{1,3})>(\d) (\S+) (\S+) (\S+) (\S+) (\S+) (-|\[.*?[^\\]\]) ?([\s\S]*)$/;

/** Parse one RFC 5424 message (the one SD-ELEMENT netkeep writes). */
export function parse5424(line: string): SyslogMessage {
  const m = RFC5424.exec(line);
  if (!m) throw new Error(`not an RFC 5424 message: ${line}`);
  const pri = Number(m[1]);
  const sd = m[8]!;
  const params: Record<string, string> = {};
  let sdId = '-';
  if (sd !== '-') {
    const head = /^\[(\S+)/.exec(sd)!;
    sdId = head[1]!;
    for (const p of sd.matchAll(/ ([^= \]"]+)="((?:[^"\\]|\\.)*)"/g)) params[p[1]!] = p[2]!.replace(/\\(["\\\]])/g, '$1');
  }
  return { pri, facility: pri >> 3, severity: pri & 7, version: Number(m[2]), timestamp: m[3]!, hostname: m[4]!, appName: m[5]!, procId: m[6]!, msgId: m[7]!, sdId, params, msg: m[9]! };
}

export async function udpSyslog() {
  const got: SyslogMessage[] = [];
  const sock = createSocket('udp4');
  sock.on('message', (b) => got.push(parse5424(b.toString('utf8'))));
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  return { got, port: sock.address().port, close: () => new Promise<void>((r) => sock.close(() => r())) };
}

export async function tcpSyslog() {
  const got: SyslogMessage[] = [];
  const sockets = new Set<Socket>();
  const srv = createTcpServer((s) => {
    sockets.add(s);
    let buf = Buffer.alloc(0);
    s.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      // RFC 6587 octet counting: "<length> <message>"
      for (;;) {
        const sp = buf.indexOf(0x20);
        if (sp < 0) break;
        const len = Number(buf.subarray(0, sp).toString());
        if (!Number.isInteger(len)) throw new Error(`bad frame length "${buf.subarray(0, sp)}"`);
        if (buf.length < sp + 1 + len) break;
        got.push(parse5424(buf.subarray(sp + 1, sp + 1 + len).toString('utf8')));
        buf = buf.subarray(sp + 1 + len);
      }
    });
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  return {
    got,
    port: (srv.address() as AddressInfo).port,
    close: () => new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      srv.close(() => r());
    }),
  };
}

/** Wait until cond() holds (polling; the tests assert on what arrived, never on time). */
export async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

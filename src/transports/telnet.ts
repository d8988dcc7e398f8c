// Telnet transport over node:net (RFC 854/855): option negotiation (we offer TTYPE and NAWS
// when asked, accept the server's ECHO and SGA, refuse everything else), IAC stripping on
// read and 0xFF escaping on write, NVT newlines (LF -> CR LF), then the login dialogue
// (username/password prompts) before the shell is handed to the session engine.
import { BufferedShell } from './channel.ts';
import net from 'node:net';
import { NetkeepError, classify } from '../errors.ts';
import { Deadlines, DEFAULT_TERMINAL, resolveTimeouts } from './ssh.ts';
import type { Connection, ConnectOptions, ShellChannel } from './types.ts';

export const IAC = 255;
export const DONT = 254;
export const DO = 253;
export const WONT = 252;
export const WILL = 251;
export const SB = 250;
export const SE = 240;
export const OPT_ECHO = 1;
export const OPT_SGA = 3;
export const OPT_TTYPE = 24;
export const OPT_NAWS = 31;
const TTYPE_IS = 0;
const TTYPE_SEND = 1;

/** Defaults that match most gear (IOS "Username:", Junos "login:", HP "User:", "Password:"). */
export const DEFAULT_USERNAME_PROMPT = /(?:[uU]ser ?[nN]ame|[lL]ogin|User)\s*:\s*$/;
export const DEFAULT_PASSWORD_PROMPT = /[pP]ass(?:word|code|phrase)\s*:\s*$/;
/** What devices print when a login is refused. */
export const LOGIN_FAILED = /(?:login invalid|login incorrect|authentication failed|access denied|bad (?:password|username)|invalid (?:password|username|login)|permission denied|incorrect password)/i;

export interface TelnetCodecOptions {
  /** Options we agree to perform when the peer says DO. */
  local: number[];
  /** Options we agree the peer performs when it says WILL. */
  remote: number[];
  /** Our terminal type (answer to SB TTYPE SEND). */
  terminalType?: string;
  /** Our window size (sent once NAWS is agreed). */
  windowSize?: { cols: number; rows: number };
  /** Peer subnegotiations (server side: TTYPE IS, NAWS). */
  onSubnegotiation?: (option: number, data: Buffer) => void;
  /** Called when the peer agreed to one of our options (server side: WILL TTYPE → send SB TTYPE SEND). */
  onAgreed?: (who: 'local' | 'remote', option: number) => void;
}

const ST_DATA = 0;
const ST_IAC = 1;
const ST_OPT = 2;
const ST_SB = 3;
const ST_SB_IAC = 4;

/** Telnet protocol state for one side of one connection. */
export class TelnetCodec {
  private readonly send: (buf: Buffer) => void;
  private readonly opts: TelnetCodecOptions;
  private readonly localOn = new Set<number>();
  private readonly remoteOn = new Set<number>();
  /** Requests we made and still wait an answer for (so the answer is not answered again). */
  private readonly pendingLocal = new Set<number>();
  private readonly pendingRemote = new Set<number>();
  private state = ST_DATA;
  private cmd = 0;
  private sbBytes: number[] = [];

  constructor(send: (buf: Buffer) => void, opts: TelnetCodecOptions) {
    this.send = send;
    this.opts = opts;
  }

  isLocal(option: number): boolean {
    return this.localOn.has(option);
  }
  isRemote(option: number): boolean {
    return this.remoteOn.has(option);
  }

  /** Ask to perform (WILL) or that the peer performs (DO) an option. */
  request(verb: typeof WILL | typeof DO, option: number): void {
    if (verb === WILL) {
      if (this.localOn.has(option) || this.pendingLocal.has(option)) return;
      this.pendingLocal.add(option);
    } else {
      if (this.remoteOn.has(option) || this.pendingRemote.has(option)) return;
      this.pendingRemote.add(option);
    }
    this.send(Buffer.from([IAC, verb, option]));
  }

  subnegotiate(option: number, data: Buffer | number[]): void {
    this.send(Buffer.concat([Buffer.from([IAC, SB, option]), escapeIac(Buffer.from(data)), Buffer.from([IAC, SE])]));
  }

  /** Strip telnet commands from received bytes, answering negotiation. Returns the data bytes. */
  decode(chunk: Buffer): Buffer {
    if (this.state === ST_DATA && chunk.indexOf(IAC) === -1) return chunk;
    const out = Buffer.allocUnsafe(chunk.length);
    let n = 0;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      switch (this.state) {
        case ST_DATA:
          if (b === IAC) this.state = ST_IAC;
          else out[n++] = b;
          break;
        case ST_IAC:
          if (b === IAC) {
            out[n++] = IAC;
            this.state = ST_DATA;
          } else if (b === WILL || b === WONT || b === DO || b === DONT) {
            this.cmd = b;
            this.state = ST_OPT;
          } else if (b === SB) {
            this.sbBytes = [];
            this.state = ST_SB;
          } else {
            // NOP, GA, DM, BRK, IP, AO, AYT, EC, EL, SE out of place: nothing to do.
            this.state = ST_DATA;
          }
          break;
        case ST_OPT:
          this.negotiate(this.cmd, b);
          this.state = ST_DATA;
          break;
        case ST_SB:
          if (b === IAC) this.state = ST_SB_IAC;
          else if (this.sbBytes.length < 1024) this.sbBytes.push(b);
          break;
        case ST_SB_IAC:
          if (b === SE) {
            this.subnegotiation(Buffer.from(this.sbBytes));
            this.state = ST_DATA;
          } else {
            if (b === IAC && this.sbBytes.length < 1024) this.sbBytes.push(IAC);
            this.state = ST_SB;
          }
          break;
      }
    }
    return out.subarray(0, n);
  }

  private negotiate(cmd: number, opt: number): void {
    const o = this.opts;
    switch (cmd) {
      case DO:
        if (this.localOn.has(opt)) {
          this.pendingLocal.delete(opt);
          return;
        }
        if (o.local.includes(opt)) {
          this.localOn.add(opt);
          if (!this.pendingLocal.delete(opt)) this.send(Buffer.from([IAC, WILL, opt]));
          this.agreedLocal(opt);
        } else {
          this.send(Buffer.from([IAC, WONT, opt]));
        }
        return;
      case DONT:
        if (this.pendingLocal.delete(opt)) return;
        if (this.localOn.delete(opt)) this.send(Buffer.from([IAC, WONT, opt]));
        return;
      case WILL:
        if (this.remoteOn.has(opt)) {
          this.pendingRemote.delete(opt);
          return;
        }
        if (o.remote.includes(opt)) {
          this.remoteOn.add(opt);
          if (!this.pendingRemote.delete(opt)) this.send(Buffer.from([IAC, DO, opt]));
          o.onAgreed?.('remote', opt);
        } else {
          this.send(Buffer.from([IAC, DONT, opt]));
        }
        return;
      case WONT:
        if (this.pendingRemote.delete(opt)) return;
        if (this.remoteOn.delete(opt)) this.send(Buffer.from([IAC, DONT, opt]));
        return;
    }
  }

  private agreedLocal(opt: number): void {
    const o = this.opts;
    if (opt === OPT_NAWS && o.windowSize) {
      const { cols, rows } = o.windowSize;
      this.subnegotiate(OPT_NAWS, [(cols >> 8) & 0xff, cols & 0xff, (rows >> 8) & 0xff, rows & 0xff]);
    }
    o.onAgreed?.('local', opt);
  }

  private subnegotiation(data: Buffer): void {
    if (data.length === 0) return;
    const opt = data[0];
    const rest = data.subarray(1);
    if (opt === OPT_TTYPE && rest[0] === TTYPE_SEND && this.localOn.has(OPT_TTYPE)) {
      const tt = (this.opts.terminalType ?? 'VT100').toUpperCase();
      this.subnegotiate(OPT_TTYPE, Buffer.concat([Buffer.from([TTYPE_IS]), Buffer.from(tt, 'latin1')]));
      return;
    }
    this.opts.onSubnegotiation?.(opt, rest);
  }
}

/** Double every 0xFF so it is data, not a command. */
export function escapeIac(buf: Buffer): Buffer {
  if (buf.indexOf(IAC) === -1) return buf;
  const out: number[] = [];
  for (const b of buf) {
    out.push(b);
    if (b === IAC) out.push(IAC);
  }
  return Buffer.from(out);
}

/** NVT newline: a LF not preceded by CR becomes CR LF. */
export function toNvt(data: string | Buffer): Buffer {
  const buf = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
  let extra = 0;
  for (let i = 0; i < buf.length; i++) if (buf[i] === 10 && (i === 0 || buf[i - 1] !== 13)) extra++;
  if (extra === 0) return escapeIac(buf);
  const out = Buffer.allocUnsafe(buf.length + extra);
  let n = 0;
  for (let i = 0; i < buf.length; i++) {
    if (buf[i] === 10 && (i === 0 || buf[i - 1] !== 13)) out[n++] = 13;
    out[n++] = buf[i];
  }
  return escapeIac(out);
}

class TelnetShell extends BufferedShell {
  private readonly conn: TelnetConnection;

  constructor(conn: TelnetConnection) {
    super();
    this.conn = conn;
  }

  write(data: string | Buffer): void {
    if (this.closed) return;
    this.conn.write(data);
  }
}

type LoginState = 'login' | 'after-password' | 'done';

class TelnetConnection implements Connection {
  readonly protocol = 'telnet' as const;
  readonly where: string;
  readonly deadlines: Deadlines;
  private readonly sock: net.Socket;
  private readonly codec: TelnetCodec;
  private readonly shellCh: TelnetShell;
  private failure: NetkeepError | undefined;
  private isClosed = false;
  private shellTaken = false;
  private onFailure: ((err: NetkeepError) => void) | undefined;

  constructor(opts: ConnectOptions, deadlines: (c: TelnetConnection) => Deadlines) {
    const port = opts.port ?? 23;
    this.where = `${opts.host}:${port}`;
    this.deadlines = deadlines(this);
    const term = { ...DEFAULT_TERMINAL, ...(opts.terminal ?? {}) };
    this.sock = net.connect({ host: opts.host, port, noDelay: true });
    this.sock.setNoDelay(true);
    this.codec = new TelnetCodec((b) => this.rawWrite(b), {
      local: [OPT_TTYPE, OPT_NAWS, OPT_SGA],
      remote: [OPT_ECHO, OPT_SGA],
      terminalType: term.term,
      windowSize: { cols: Math.min(term.cols, 65535), rows: Math.min(term.rows, 65535) },
    });
    this.shellCh = new TelnetShell(this);
  }

  private rawWrite(b: Buffer): void {
    if (!this.sock.destroyed && this.sock.writable) this.sock.write(b);
  }

  write(data: string | Buffer): void {
    this.deadlines.touch();
    this.rawWrite(toNvt(data));
  }

  fail(err: NetkeepError): void {
    if (!this.failure) this.failure = err;
    this.shellCh.finish(this.failure);
    const f = this.onFailure;
    this.onFailure = undefined;
    this.release();
    f?.(this.failure);
  }

  private release(): void {
    this.deadlines.clear();
    this.sock.destroy();
  }

  start(opts: ConnectOptions): Promise<void> {
    const creds = opts.credentials ?? {};
    const userRe = opts.telnetLogin?.username ?? DEFAULT_USERNAME_PROMPT;
    const passRe = opts.telnetLogin?.password ?? DEFAULT_PASSWORD_PROMPT;
    const where = this.where;
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      let state: LoginState = 'login';
      let text = ''; // decoded text since the last credential sent (latin1)
      let held: Buffer[] = []; // the same, as bytes, handed to the engine at the end
      let usernamesSent = 0;
      let passwordsSent = 0;
      let quiet: NodeJS.Timeout | undefined;
      let loginBytes = 0;
      let binaryBytes = 0;
      const done = (err?: NetkeepError) => {
        if (settled) return;
        settled = true;
        if (quiet) clearTimeout(quiet);
        this.onFailure = undefined;
        if (err) return reject(err);
        state = 'done';
        this.deadlines.connected();
        const h = held;
        held = [];
        for (const c of h) this.shellCh.deliver(c);
        resolve();
      };
      this.onFailure = (err) => done(err);

      const authFailed = () =>
        this.fail(new NetkeepError('auth_failed', `${where}: the device refused the telnet login${creds.username ? ` for user '${creds.username}'` : ''}; check the username and password in the credential profile`));

      const examine = () => {
        const tail = text.length > 4096 ? text.slice(-4096) : text;
        const lastLine = tail.slice(tail.lastIndexOf('\n') + 1).replace(/\r/g, '');
        // "Login invalid" and friends decide only when no CLI prompt follows (a MOTD may
        // well say "access denied to unauthorised users").
        const refused = state === 'after-password' && LOGIN_FAILED.test(tail);
        if (passRe.test(lastLine)) {
          if (creds.password === undefined) {
            return this.fail(new NetkeepError('config_error', `${where}: the device asks for a password but the credential profile has none; add the password`));
          }
          if (passwordsSent >= 1) return authFailed();
          passwordsSent++;
          state = 'after-password';
          text = '';
          held = [];
          this.write(`${creds.password}\n`);
          return;
        }
        if (userRe.test(lastLine)) {
          if (state === 'after-password' || usernamesSent >= 1) return authFailed();
          if (!creds.username) {
            return this.fail(new NetkeepError('config_error', `${where}: the device asks for a username but the credential profile has none; add the username`));
          }
          usernamesSent++;
          text = '';
          held = [];
          this.write(`${creds.username}\n`);
          return;
        }
        // A line that looks like a CLI prompt (ends in # > $ % ] with no newline after it): logged in.
        if (/[#>$%\]]\s?$/.test(lastLine) && lastLine.trim().length > 1) return done();
        // Some devices print a banner after the password and a prompt we do not recognise;
        // after a short silence with output, hand over and let the driver judge the prompt.
        if (state === 'after-password' && text.trim().length > 0) {
          if (quiet) clearTimeout(quiet);
          quiet = setTimeout(() => (refused ? authFailed() : done()), 500);
        }
      };

      this.sock.on('data', (chunk: Buffer) => {
        this.deadlines.touch();
        const data = this.codec.decode(chunk);
        if (data.length === 0) return;
        if (state === 'done') {
          this.shellCh.deliver(data);
          return;
        }
        held.push(data);
        text += data.toString('latin1');
        loginBytes += data.length;
        for (let i = 0; i < data.length; i++) {
          const b = data[i];
          if (b >= 0x80 || (b < 0x20 && b !== 10 && b !== 13 && b !== 9 && b !== 8 && b !== 27 && b !== 7 && b !== 0)) binaryBytes++;
        }
        if (loginBytes >= 256 && binaryBytes * 10 > loginBytes * 3) {
          return this.fail(new NetkeepError('protocol_error', `${where}: the device sent binary data instead of a telnet login; check that the port is the telnet port and the device is healthy`));
        }
        examine();
      });
      this.sock.on('error', (err) => this.fail(classify(err, where)));
      this.sock.on('close', () => {
        if (!settled) {
          if (state === 'after-password' && LOGIN_FAILED.test(text)) return authFailed();
          this.fail(new NetkeepError('connection_reset', `${where}: the device closed the telnet connection during login; check its VTY limits, ACLs and that telnet is enabled`));
          return;
        }
        // An orderly close (FIN) after login is how telnet sessions end after logout: no error;
        // a reset arrives as 'error' (ECONNRESET) first and is reported as connection_reset.
        this.shellCh.finish(this.failure);
        this.release();
      });
    });
  }

  shell(): Promise<ShellChannel> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.shellTaken) return Promise.reject(new NetkeepError('internal', `${this.where}: a telnet connection has exactly one shell`));
    this.shellTaken = true;
    return Promise.resolve(this.shellCh);
  }

  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.shellCh.finish(this.failure);
    this.release();
  }
}

/** Open a telnet connection and log in. Rejects with a classified NetkeepError. */
export async function connectTelnet(opts: ConnectOptions): Promise<Connection> {
  const timeouts = resolveTimeouts(opts.timeouts);
  const conn = new TelnetConnection(opts, (c) => new Deadlines(timeouts, `${opts.host}:${opts.port ?? 23}`, (err) => c.fail(err), opts.signal));
  try {
    await conn.start(opts);
  } catch (err) {
    conn.close();
    throw err instanceof NetkeepError ? err : classify(err, conn.where);
  }
  return conn;
}

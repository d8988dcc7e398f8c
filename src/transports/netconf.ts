// NETCONF client (RFC 6241) over the SSH "netconf" subsystem (RFC 6242), on the SSH
// transport's connection set-up (algorithm profiles, host-key pinning, deadlines).
// Framing: end-of-message `]]>]]>` (base:1.0) until both hellos advertise base:1.1, then
// chunked `\n#len\n…\n##\n`. One session: hello exchange, RPCs matched by message-id,
// rpc-reply / rpc-error parsing, close-session. Knows bytes and XML, never vendors.
import { NetkeepError } from '../errors.ts';
import { connectSshChannels } from './ssh.ts';
import type { AlgorithmProfile, Connection, Credentials, HostKeyPolicy, Timeouts } from './types.ts';
import { childElements, escapeAttr, escapeText, firstChild, parseXml, textOf } from './xml.ts';
import type { XmlElement } from './xml.ts';

export const NETCONF_BASE_NS = 'urn:ietf:params:xml:ns:netconf:base:1.0';
export const CAP_BASE_10 = 'urn:ietf:params:netconf:base:1.0';
export const CAP_BASE_11 = 'urn:ietf:params:netconf:base:1.1';
export const CAP = {
  candidate: 'urn:ietf:params:netconf:capability:candidate:1.0',
  confirmedCommit10: 'urn:ietf:params:netconf:capability:confirmed-commit:1.0',
  confirmedCommit11: 'urn:ietf:params:netconf:capability:confirmed-commit:1.1',
  validate10: 'urn:ietf:params:netconf:capability:validate:1.0',
  validate11: 'urn:ietf:params:netconf:capability:validate:1.1',
  startup: 'urn:ietf:params:netconf:capability:startup:1.0',
  writableRunning: 'urn:ietf:params:netconf:capability:writable-running:1.0',
  xpath: 'urn:ietf:params:netconf:capability:xpath:1.0',
  rollbackOnError: 'urn:ietf:params:netconf:capability:rollback-on-error:1.0',
} as const;

const EOM = Buffer.from(']]>]]>');
/** Default ceiling for one message: a big router's full config is tens of MB at most. */
export const DEFAULT_MAX_MESSAGE_BYTES = 256 * 1024 * 1024;
const MAX_CHUNK = 4294967295;

export type Framing = 'eom' | 'chunked';

/** Encode one message for the wire. */
export function encodeFrame(message: string, framing: Framing): Buffer {
  const body = Buffer.from(message, 'utf8');
  if (framing === 'eom') return Buffer.concat([body, EOM]);
  if (body.length === 0) throw new NetkeepError('internal', 'NETCONF: cannot send an empty chunked message');
  return Buffer.concat([Buffer.from(`\n#${body.length}\n`), body, Buffer.from('\n##\n')]);
}

/**
 * Incremental decoder for both framings. `push()` bytes as they arrive, `take()` one complete
 * message at a time (the framing can be switched between messages, as after the hello).
 * Malformed chunk headers throw a protocol_error NetkeepError.
 */
export class FrameDecoder {
  private mode: Framing;
  /** Consolidated bytes not yet consumed. */
  private buf: Buffer = Buffer.alloc(0);
  /** Bytes received since the last consolidation (concatenated only when they can complete something: no O(n²) on big replies). */
  private parts: Buffer[] = [];
  private partsLen = 0;
  /** Chunked: total buffered bytes needed before the current chunk can complete. */
  private need = 0;
  /** EOM: whether the marker may be in what is buffered. */
  private eomSeen = false;
  private tail: Buffer = Buffer.alloc(0);
  private readonly max: number;
  // chunked state: the chunks of the message being assembled
  private chunks: Buffer[] = [];
  private chunkBytes = 0;

  constructor(framing: Framing = 'eom', maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES) {
    this.mode = framing;
    this.max = maxMessageBytes;
  }

  get framing(): Framing {
    return this.mode;
  }

  /** Switch framing between messages (after the hello). */
  set framing(f: Framing) {
    this.mode = f;
    this.need = 0;
    this.fill();
    this.eomSeen = this.buf.indexOf(EOM) >= 0;
  }

  push(data: Buffer): void {
    if (data.length === 0) return;
    if (!this.eomSeen && this.mode === 'eom') {
      const probe = this.tail.length ? Buffer.concat([this.tail, data.subarray(0, EOM.length - 1)]) : Buffer.alloc(0);
      if (data.indexOf(EOM) >= 0 || probe.indexOf(EOM) >= 0) this.eomSeen = true;
    }
    const joined = data.length >= EOM.length - 1 ? data.subarray(data.length - (EOM.length - 1)) : Buffer.concat([this.tail, data]);
    this.tail = Buffer.from(joined.subarray(Math.max(0, joined.length - (EOM.length - 1))));
    this.parts.push(data);
    this.partsLen += data.length;
    if (this.buf.length + this.partsLen > this.max + 64) this.tooBig(this.buf.length + this.partsLen);
  }

  /** Bytes received and not yet part of a complete message. */
  get pending(): number {
    return this.buf.length + this.partsLen + this.chunkBytes;
  }

  private fill(): void {
    if (this.parts.length === 0) return;
    this.buf = this.buf.length ? Buffer.concat([this.buf, ...this.parts]) : this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts);
    this.parts = [];
    this.partsLen = 0;
  }

  private tooBig(n: number): never {
    throw new NetkeepError('protocol_error', `NETCONF message larger than ${this.max} bytes (${n} so far); the server may not be framing its messages, or raise the limit`);
  }

  take(): string | undefined {
    return this.mode === 'eom' ? this.takeEom() : this.takeChunked();
  }

  private takeEom(): string | undefined {
    if (!this.eomSeen) return undefined;
    this.fill();
    const at = this.buf.indexOf(EOM);
    if (at < 0) {
      this.eomSeen = false;
      return undefined;
    }
    const msg = this.buf.subarray(0, at).toString('utf8');
    this.buf = this.buf.subarray(at + EOM.length);
    this.eomSeen = this.buf.indexOf(EOM) >= 0;
    return msg;
  }

  private takeChunked(): string | undefined {
    if (this.buf.length + this.partsLen < this.need) return undefined;
    this.need = 0;
    this.fill();
    for (;;) {
      // a chunk header is "\n#<1-10 digits>\n", the end of chunks "\n##\n"
      if (this.buf.length < 3) return undefined;
      if (this.buf[0] !== 0x0a || this.buf[1] !== 0x23) {
        // RFC 6242 §4.2: tolerate nothing; show what came instead
        throw this.malformed(`expected a chunk header "\\n#", got ${preview(this.buf)}`);
      }
      if (this.buf[2] === 0x23) {
        if (this.buf.length < 4) return undefined;
        if (this.buf[3] !== 0x0a) throw this.malformed(`end-of-chunks marker "\\n##" not followed by a newline: ${preview(this.buf)}`);
        if (this.chunks.length === 0) throw this.malformed('end-of-chunks marker before any chunk (empty message)');
        const msg = Buffer.concat(this.chunks).toString('utf8');
        this.chunks = [];
        this.chunkBytes = 0;
        this.buf = this.buf.subarray(4);
        return msg;
      }
      let j = 2;
      while (j < this.buf.length && j < 13 && this.buf[j]! >= 0x30 && this.buf[j]! <= 0x39) j++;
      if (j - 2 > 10) throw this.malformed(`chunk size has more than 10 digits: ${preview(this.buf)}`);
      if (j >= this.buf.length) return undefined;
      if (this.buf[j] !== 0x0a || j === 2) throw this.malformed(`bad chunk header ${preview(this.buf)}; expected "\\n#<size>\\n"`);
      const digits = this.buf.toString('latin1', 2, j);
      if (digits.startsWith('0')) throw this.malformed(`chunk size "${digits}" starts with 0 (sizes are 1..${MAX_CHUNK})`);
      const size = Number(digits);
      if (size > MAX_CHUNK) throw this.malformed(`chunk size ${digits} is larger than ${MAX_CHUNK}`);
      if (this.chunkBytes + size > this.max) this.tooBig(this.chunkBytes + size);
      if (this.buf.length < j + 1 + size) {
        this.need = j + 1 + size;
        return undefined;
      }
      this.chunks.push(Buffer.from(this.buf.subarray(j + 1, j + 1 + size)));
      this.chunkBytes += size;
      this.buf = this.buf.subarray(j + 1 + size);
    }
  }

  private malformed(what: string): NetkeepError {
    return new NetkeepError('protocol_error', `malformed NETCONF chunked frame: ${what}`);
  }
}

function preview(b: Buffer): string {
  return JSON.stringify(b.subarray(0, 24).toString('latin1'));
}

/** One <rpc-error>, as RFC 6241 §4.3 defines it. */
export interface RpcError {
  type: string;
  tag: string;
  severity: string;
  appTag?: string;
  path?: string;
  message?: string;
  info?: string;
}

export interface RpcReply {
  messageId: string;
  root: XmlElement;
  ok: boolean;
  /** The <data> element of a get/get-config reply. */
  data: XmlElement | undefined;
  /** Errors and warnings (severity "warning" does not fail the RPC). */
  errors: RpcError[];
  raw: string;
}

export function parseRpcErrors(reply: XmlElement): RpcError[] {
  return childElements(reply, 'rpc-error').map((e) => {
    const t = (name: string) => {
      const el = firstChild(e, name);
      return el ? textOf(el).trim() : undefined;
    };
    const info = firstChild(e, 'error-info');
    const out: RpcError = { type: t('error-type') ?? '', tag: t('error-tag') ?? '', severity: t('error-severity') ?? 'error' };
    const appTag = t('error-app-tag');
    const path = t('error-path');
    const message = t('error-message');
    if (appTag) out.appTag = appTag;
    if (path) out.path = path;
    if (message) out.message = message;
    if (info) {
      const s = childElements(info)
        .map((c) => `${c.local}=${textOf(c).trim()}`)
        .join(', ');
      if (s) out.info = s;
    }
    return out;
  });
}

/** "<tag>: <message> (path …, info …)" for one rpc-error. */
export function describeRpcError(e: RpcError): string {
  const extra = [e.path ? `path ${e.path}` : '', e.appTag ? `app-tag ${e.appTag}` : '', e.info ? e.info : ''].filter(Boolean).join('; ');
  return `${e.tag || 'error'}${e.message ? `: ${e.message}` : ''}${extra ? ` (${extra})` : ''}`;
}

/** The bidirectional byte stream a session runs on (an SSH subsystem channel, or a test double). */
export interface NetconfChannel {
  write(data: Buffer): void;
  end(): void;
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
}

export interface SessionOptions {
  /** "host:port" for messages. */
  where: string;
  /** Client capabilities sent in our hello (default base:1.0 and base:1.1). */
  capabilities?: string[];
  /** Largest message accepted, bytes. */
  maxMessageBytes?: number;
  /** Called on every byte in or out (the SSH connection's idle deadline). */
  touch?: () => void;
  /** Why the channel went away, when the connection knows (deadline, reset). */
  lostError?: () => NetkeepError | undefined;
  /** Frees the connection under the channel. */
  release?: () => void;
  /** Deadline for each RPC reply, ms (default none: the connection's idle deadline applies). */
  rpcTimeoutMs?: number;
  /** Deadline for the server's hello, ms. */
  helloTimeoutMs?: number;
}

interface Pending {
  op: string;
  resolve: (r: RpcReply) => void;
  reject: (e: NetkeepError) => void;
  timer?: NodeJS.Timeout;
}

/** A NETCONF session on an open channel. Use `openNetconf` to get one over SSH. */
/** Pause between our hello and the first chunked rpc (see NetconfSession.hello). */
const HELLO_SETTLE_MS = 100;

export class NetconfSession {
  readonly where: string;
  serverCapabilities: string[] = [];
  sessionId: string | undefined;
  /** Framing in use after the hello exchange. */
  framing: Framing = 'eom';
  hostKey: string | undefined;
  private readonly channel: NetconfChannel;
  private readonly opts: SessionOptions;
  private readonly decoder: FrameDecoder;
  private readonly clientCaps: string[];
  private nextId = 1;
  private readonly pending = new Map<string, Pending>();
  private helloWaiter: { resolve: () => void; reject: (e: NetkeepError) => void } | undefined;
  private helloDone = false;
  private failure: NetkeepError | undefined;
  private closed = false;

  constructor(channel: NetconfChannel, opts: SessionOptions) {
    this.channel = channel;
    this.opts = opts;
    this.where = opts.where;
    this.clientCaps = opts.capabilities ?? [CAP_BASE_10, CAP_BASE_11];
    this.decoder = new FrameDecoder('eom', opts.maxMessageBytes);
    channel.on('data', (chunk: Buffer) => this.onData(chunk));
    channel.on('error', (err: Error) => this.fail(new NetkeepError('connection_reset', `${this.where}: the NETCONF channel failed (${err.message})`, undefined, { cause: err })));
    channel.on('close', () => {
      if (this.closed && this.pending.size === 0) return this.release();
      this.fail(
        this.opts.lostError?.() ??
          new NetkeepError(
            'connection_reset',
            this.helloDone
              ? `${this.where}: the NETCONF server closed the session${this.pending.size ? ' before answering' : ''}; check the server's logs and session limits`
              : `${this.where}: the NETCONF server closed the session before its hello; check that the netconf subsystem is enabled for this account`,
          ),
      );
    });
  }

  /** Send our hello, wait for the server's, pick the framing. */
  async hello(): Promise<void> {
    const hello =
      `<?xml version="1.0" encoding="UTF-8"?>\n<hello xmlns="${NETCONF_BASE_NS}"><capabilities>` +
      this.clientCaps.map((c) => `<capability>${escapeText(c)}</capability>`).join('') +
      `</capabilities></hello>`;
    const got = new Promise<void>((resolve, reject) => {
      this.helloWaiter = { resolve, reject };
    });
    let timer: NodeJS.Timeout | undefined;
    if (this.opts.helloTimeoutMs) {
      timer = setTimeout(
        () => this.fail(new NetkeepError('timeout', `${this.where}: no NETCONF hello from the server within ${this.opts.helloTimeoutMs} ms; check that the netconf subsystem is running`, { deadline: 'hello' })),
        this.opts.helloTimeoutMs,
      );
    }
    this.send(hello, 'eom');
    try {
      await got;
    } finally {
      if (timer) clearTimeout(timer);
    }
    if (this.framing === 'chunked') {
      // yuma123's netconfd reads our hello in end-of-message mode and decides the framing
      // per read: a chunked rpc that reaches it in the same read as our hello is never
      // parsed, and the session hangs. Sending both back to back made that happen every
      // time, so leave a gap (one loaded-machine scheduling slice) before the first rpc.
      await new Promise((r) => setTimeout(r, HELLO_SETTLE_MS));
    }
  }

  hasCapability(uri: string): boolean {
    return this.serverCapabilities.some((c) => c === uri || c.startsWith(`${uri}?`));
  }

  private send(message: string, framing: Framing): void {
    if (this.failure) throw this.failure;
    this.opts.touch?.();
    this.channel.write(encodeFrame(message, framing));
  }

  private onData(chunk: Buffer): void {
    if (this.failure) return;
    this.opts.touch?.();
    try {
      this.decoder.push(chunk);
      for (let msg = this.decoder.take(); msg !== undefined; msg = this.decoder.take()) {
        this.onMessage(msg);
        if (this.failure) return;
      }
    } catch (err) {
      const e = err instanceof NetkeepError ? err : new NetkeepError('internal', String(err));
      this.fail(e.failureClass === 'protocol_error' && !e.message.startsWith(this.where) ? new NetkeepError('protocol_error', `${this.where}: ${e.message}; the server does not speak valid NETCONF`, e.details, { cause: e }) : e);
    }
  }

  private onMessage(text: string): void {
    let root: XmlElement;
    try {
      root = parseXml(text);
    } catch (err) {
      throw new NetkeepError('protocol_error', `${this.where}: the NETCONF server sent a message that is not well-formed XML (${(err as Error).message})`, undefined, { cause: err });
    }
    if (!this.helloDone) {
      if (root.local !== 'hello' || root.ns !== NETCONF_BASE_NS) {
        throw new NetkeepError('protocol_error', `${this.where}: expected the server's NETCONF <hello>, got <${root.name}>`);
      }
      const caps = firstChild(root, 'capabilities');
      this.serverCapabilities = caps ? childElements(caps, 'capability').map((c) => textOf(c).trim()) : [];
      const sid = firstChild(root, 'session-id');
      this.sessionId = sid ? textOf(sid).trim() : undefined;
      if (!this.serverCapabilities.some((c) => c === CAP_BASE_10 || c === CAP_BASE_11)) {
        throw new NetkeepError('protocol_error', `${this.where}: the server's hello advertises neither NETCONF base:1.0 nor base:1.1`);
      }
      if (this.sessionId === undefined || !/^[1-9][0-9]*$/.test(this.sessionId)) {
        throw new NetkeepError('protocol_error', `${this.where}: the server's hello has no valid <session-id>`);
      }
      this.helloDone = true;
      if (this.serverCapabilities.includes(CAP_BASE_11) && this.clientCaps.includes(CAP_BASE_11)) {
        this.framing = 'chunked';
        this.decoder.framing = 'chunked';
      }
      const w = this.helloWaiter;
      this.helloWaiter = undefined;
      w?.resolve();
      return;
    }
    if (root.ns === NETCONF_BASE_NS && root.local === 'hello') {
      throw new NetkeepError('protocol_error', `${this.where}: the server sent a second <hello>`);
    }
    if (root.local === 'notification') return; // not subscribed; ignore
    if (root.local !== 'rpc-reply' || root.ns !== NETCONF_BASE_NS) {
      throw new NetkeepError('protocol_error', `${this.where}: expected <rpc-reply>, got <${root.name}>`);
    }
    const id = root.attrs.find((a) => a.local === 'message-id' && a.ns === undefined)?.value;
    let p = id !== undefined ? this.pending.get(id) : undefined;
    if (!p && id === undefined && this.pending.size === 1) {
      // some servers omit message-id on an error about the rpc itself (malformed-message)
      p = [...this.pending.values()][0];
    }
    if (!p) throw new NetkeepError('protocol_error', `${this.where}: <rpc-reply> with message-id ${id === undefined ? '(none)' : `"${id}"`} matches no request`);
    const key = id ?? [...this.pending.keys()][0]!;
    this.pending.delete(key);
    if (p.timer) clearTimeout(p.timer);
    const errors = parseRpcErrors(root);
    p.resolve({ messageId: key, root, ok: !!firstChild(root, 'ok'), data: firstChild(root, 'data'), errors, raw: text });
  }

  /**
   * Send one RPC (the operation's XML, without the <rpc> wrapper) and wait for its reply.
   * An rpc-error with severity "error" rejects with command_rejected (protocol_error for
   * malformed-message), with the server's error-message.
   */
  async rpc(operationXml: string, op = 'rpc'): Promise<RpcReply> {
    if (this.failure) throw this.failure;
    if (!this.helloDone) throw new NetkeepError('internal', `${this.where}: NETCONF rpc before the hello exchange`);
    if (this.closed) throw new NetkeepError('internal', `${this.where}: NETCONF rpc on a closed session`);
    const id = String(this.nextId++);
    const msg = `<?xml version="1.0" encoding="UTF-8"?>\n<rpc message-id="${id}" xmlns="${NETCONF_BASE_NS}">${operationXml}</rpc>`;
    const reply = await new Promise<RpcReply>((resolve, reject) => {
      const p: Pending = { op, resolve, reject };
      if (this.opts.rpcTimeoutMs) {
        p.timer = setTimeout(
          () => this.fail(new NetkeepError('timeout', `${this.where}: no answer to NETCONF ${op} within ${this.opts.rpcTimeoutMs} ms; the server may be hung or the configuration very large (raise timeouts.idleMs)`, { deadline: 'rpc' })),
          this.opts.rpcTimeoutMs,
        );
      }
      this.pending.set(id, p);
      try {
        this.send(msg, this.framing);
      } catch (err) {
        this.pending.delete(id);
        if (p.timer) clearTimeout(p.timer);
        reject(err as NetkeepError);
      }
    });
    const errs = reply.errors.filter((e) => e.severity !== 'warning');
    if (errs.length) {
      const cls = errs.some((e) => e.tag === 'malformed-message') ? 'protocol_error' : 'command_rejected';
      throw new NetkeepError(cls, `${this.where}: NETCONF ${op} failed: ${errs.map(describeRpcError).join('; ')}`, { rpcErrors: errs });
    }
    return reply;
  }

  /** <close-session>, then end the channel and free the connection. Never throws. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (!this.failure && this.helloDone) {
      try {
        await this.rpc('<close-session/>', 'close-session');
      } catch {
        /* the session ends anyway */
      }
    }
    this.closed = true;
    try {
      this.channel.end();
    } catch {
      /* already gone */
    }
    this.release();
  }

  /** Tear down without close-session. */
  destroy(): void {
    this.closed = true;
    this.release();
  }

  private release(): void {
    this.opts.release?.();
  }

  private fail(err: NetkeepError): void {
    if (this.failure) return;
    this.failure = err;
    const w = this.helloWaiter;
    this.helloWaiter = undefined;
    w?.reject(err);
    for (const p of this.pending.values()) {
      if (p.timer) clearTimeout(p.timer);
      p.reject(err);
    }
    this.pending.clear();
    try {
      this.channel.end();
    } catch {
      /* already gone */
    }
    this.release();
  }

  // ---- operations -----------------------------------------------------------------

  /** get-config of a datastore, with an optional subtree (XML text) or XPath filter. */
  async getConfig(source: Datastore, filter?: NetconfFilter): Promise<RpcReply> {
    this.requireDatastore(source, 'read');
    let f = '';
    if (filter) {
      if (filter.type === 'xpath') {
        if (!this.hasCapability(CAP.xpath)) {
          throw new NetkeepError('config_error', `${this.where}: the NETCONF server does not advertise :xpath, so an XPath filter cannot be used; use a subtree filter (XML) instead`);
        }
        const decls = Object.entries(this.xpathNamespaces(filter))
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([p, u]) => ` xmlns:${p}="${escapeAttr(u)}"`)
          .join('');
        f = `<filter type="xpath"${decls} select="${escapeAttr(filter.select)}"/>`;
      } else {
        f = `<filter type="subtree">${filter.xml}</filter>`;
      }
    }
    return this.rpc(`<get-config><source><${source}/></source>${f}</get-config>`, `get-config ${source}`);
  }

  /** Prefix bindings for an XPath filter (RFC 6241 §8.9: the select's prefixes resolve against the filter element). */
  xpathNamespaces(filter: { select: string; namespaces?: Record<string, string> }): Record<string, string> {
    return { ...(filter.namespaces ?? {}) };
  }

  requireDatastore(ds: Datastore, use: 'read' | 'write'): void {
    if (ds === 'candidate' && !this.hasCapability(CAP.candidate)) {
      throw new NetkeepError('config_error', `${this.where}: the NETCONF server has no candidate datastore (no :candidate capability); use datastore running`);
    }
    if (ds === 'startup' && !this.hasCapability(CAP.startup)) {
      throw new NetkeepError('config_error', `${this.where}: the NETCONF server has no startup datastore (no :startup capability); use datastore running`);
    }
    if (ds === 'running' && use === 'write' && !this.hasCapability(CAP.writableRunning)) {
      throw new NetkeepError('config_error', `${this.where}: the NETCONF server does not allow writing running directly (no :writable-running); write the candidate and commit`);
    }
  }
}

export type Datastore = 'running' | 'startup' | 'candidate';
export const DATASTORES: readonly Datastore[] = ['running', 'startup', 'candidate'];

/** A subtree filter (XML text) or an XPath filter (select, with prefix → namespace bindings). */
export type NetconfFilter = { type: 'subtree'; xml: string } | { type: 'xpath'; select: string; namespaces?: Record<string, string> };

export interface NetconfConnectOptions {
  host: string;
  /** Default 830 (RFC 6242). */
  port?: number;
  credentials: Credentials;
  timeouts?: Partial<Timeouts>;
  algorithms?: AlgorithmProfile;
  hostKey?: HostKeyPolicy;
  signal?: AbortSignal;
  capabilities?: string[];
  maxMessageBytes?: number;
}

/** Connect over SSH, open the netconf subsystem and exchange hellos. Rejects with a classified NetkeepError. */
export async function openNetconf(opts: NetconfConnectOptions): Promise<NetconfSession> {
  const port = opts.port ?? 830;
  const { conn, host } = await connectSshChannels({
    host: opts.host,
    port,
    protocol: 'ssh',
    credentials: opts.credentials,
    ...(opts.timeouts ? { timeouts: opts.timeouts } : {}),
    ...(opts.algorithms ? { algorithms: opts.algorithms } : {}),
    ...(opts.hostKey ? { hostKey: opts.hostKey } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  const channel = await new Promise<NetconfChannel>((resolve, reject) => {
    host.client.subsys('netconf', (err, stream) => {
      if (err) {
        conn.close();
        reject(host.lostError() ?? new NetkeepError('protocol_error', `${host.where}: the SSH server refused the netconf subsystem (${err.message}); enable NETCONF over SSH on the device (and check the port, usually 830)`, undefined, { cause: err }));
        return;
      }
      resolve(stream as unknown as NetconfChannel);
    });
  });
  const session = new NetconfSession(channel, {
    where: host.where,
    touch: host.touch,
    lostError: host.lostError,
    release: () => conn.close(),
    ...(opts.capabilities ? { capabilities: opts.capabilities } : {}),
    ...(opts.maxMessageBytes ? { maxMessageBytes: opts.maxMessageBytes } : {}),
  });
  if (conn.hostKey) session.hostKey = conn.hostKey;
  try {
    await session.hello();
  } catch (err) {
    session.destroy();
    throw err;
  }
  return session;
}

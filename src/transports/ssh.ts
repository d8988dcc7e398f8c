// SSH transport on ssh2: TCP with no-delay, password / keyboard-interactive / public-key
// auth, algorithm profiles, host-key pinning with trust on first use, and three deadlines
// (connect, idle, whole session). Knows bytes, never vendors.
import { BufferedShell } from './channel.ts';
import net from 'node:net';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import ssh2 from 'ssh2';
import type { ClientChannel, AnyAuthMethod } from 'ssh2';
import { NetkeepError, classify } from '../errors.ts';
import { algorithmsFor } from './algorithms.ts';
import type { AlgorithmLists } from './algorithms.ts';
import { DEFAULT_TIMEOUTS } from './types.ts';
import type { Connection, ConnectOptions, ExecResult, ShellChannel, Timeouts } from './types.ts';

const { Client } = ssh2;

/** Default pty: wide, so devices do not wrap long config lines. */
export const DEFAULT_TERMINAL = { cols: 511, rows: 24, term: 'vt100' };

export function resolveTimeouts(t?: Partial<Timeouts>): Timeouts {
  const out = { ...DEFAULT_TIMEOUTS, ...(t ?? {}) };
  for (const k of ['connectMs', 'idleMs', 'sessionMs'] as const) {
    if (!Number.isFinite(out[k]) || out[k] <= 0) {
      throw new NetkeepError('config_error', `timeouts.${k} must be a positive number of milliseconds, got ${String(out[k])}; fix the device or group settings`);
    }
  }
  return out;
}

function secs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(1)}s`;
}

/**
 * The three deadlines of one session. `onExpire` is called at most once, with a classified
 * timeout. Shared by the SSH and Telnet transports.
 */
export class Deadlines {
  readonly timeouts: Timeouts;
  private readonly where: string;
  private readonly onExpire: (err: NetkeepError) => void;
  private connectTimer: NodeJS.Timeout | undefined;
  private sessionTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private fired = false;
  private abortCleanup: (() => void) | undefined;

  constructor(timeouts: Timeouts, where: string, onExpire: (err: NetkeepError) => void, signal?: AbortSignal) {
    this.timeouts = timeouts;
    this.where = where;
    this.onExpire = onExpire;
    this.connectTimer = setTimeout(
      () =>
        this.fire(
          new NetkeepError(
            'timeout',
            `${where}: no login within the connect timeout of ${secs(timeouts.connectMs)} (TCP connect, handshake and authentication); check that the device is reachable and the service enabled, or raise timeouts.connectMs`,
            { deadline: 'connect', ms: timeouts.connectMs },
          ),
        ),
      timeouts.connectMs,
    );
    this.sessionTimer = setTimeout(
      () =>
        this.fire(
          new NetkeepError(
            'timeout',
            `${where}: the session took longer than the session timeout of ${secs(timeouts.sessionMs)}; raise timeouts.sessionMs for devices with very large configurations or slow CPUs`,
            { deadline: 'session', ms: timeouts.sessionMs },
          ),
        ),
      timeouts.sessionMs,
    );
    if (signal) {
      const onAbort = () =>
        this.fire(new NetkeepError('timeout', `${where}: the session was cancelled before it finished (job deadline or shutdown); it will run again at the next schedule`, { deadline: 'abort' }));
      if (signal.aborted) queueMicrotask(onAbort);
      else {
        signal.addEventListener('abort', onAbort, { once: true });
        this.abortCleanup = () => signal.removeEventListener('abort', onAbort);
      }
    }
  }

  /** Login done: the connect deadline no longer applies, the idle one starts. */
  connected(): void {
    if (this.connectTimer) clearTimeout(this.connectTimer);
    this.connectTimer = undefined;
    if (this.fired || this.idleTimer) return;
    this.idleTimer = setTimeout(
      () =>
        this.fire(
          new NetkeepError(
            'timeout',
            `${this.where}: the device sent nothing for ${secs(this.timeouts.idleMs)} (idle timeout); it may be hung or very slow; raise timeouts.idleMs if it is just slow`,
            { deadline: 'idle', ms: this.timeouts.idleMs },
          ),
        ),
      this.timeouts.idleMs,
    );
  }

  /** Traffic seen: restart the idle clock. */
  touch(): void {
    this.idleTimer?.refresh();
  }

  get expired(): boolean {
    return this.fired;
  }

  private fire(err: NetkeepError): void {
    if (this.fired) return;
    this.fired = true;
    this.clear();
    this.onExpire(err);
  }

  clear(): void {
    if (this.connectTimer) clearTimeout(this.connectTimer);
    if (this.sessionTimer) clearTimeout(this.sessionTimer);
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.connectTimer = this.sessionTimer = this.idleTimer = undefined;
    this.abortCleanup?.();
    this.abortCleanup = undefined;
  }
}

/** "<algo> <base64>" from an SSH wire-format public key blob. */
export function hostKeyString(blob: Buffer): string {
  let algo = 'unknown';
  if (blob.length >= 4) {
    const n = blob.readUInt32BE(0);
    if (n > 0 && n < 64 && blob.length >= 4 + n) algo = blob.toString('latin1', 4, 4 + n);
  }
  return `${algo} ${blob.toString('base64')}`;
}

/** Compare two "<algo> <base64>" strings, ignoring a trailing comment. */
export function sameHostKey(a: string, b: string): boolean {
  const norm = (s: string) => s.trim().split(/\s+/).slice(0, 2).join(' ');
  return norm(a) === norm(b);
}

function classifySsh(err: unknown, where: string): NetkeepError {
  if (err instanceof NetkeepError) return err;
  const e = err as Error & { level?: string; code?: unknown };
  const msg = e?.message ?? String(err);
  if (e?.level === 'client-authentication') {
    return new NetkeepError('auth_failed', `${where}: the device refused the credentials (${msg}); check the username, password or key in the credential profile (netkeep fetch: --username, --password, --key)`, undefined, { cause: err });
  }
  if (e?.level === 'handshake' && /no matching/i.test(msg)) {
    return new NetkeepError(
      'protocol_error',
      `${where}: SSH negotiation failed (${msg}); the device speaks only older algorithms: set the device's SSH algorithm profile to 'compatible' or 'legacy'`,
      undefined,
      { cause: err },
    );
  }
  if (e?.level === 'client-socket' || typeof e?.code === 'string') return classify(err, where);
  if (e?.level === 'protocol' || e?.level === 'handshake' || /identification|header|greeting|bad packet|invalid packet|hmac|decrypt/i.test(msg)) {
    return new NetkeepError('protocol_error', `${where}: the device did not speak valid SSH (${msg}); check that the port is the SSH port and the device is healthy`, undefined, { cause: err });
  }
  if (typeof e?.code === 'number') {
    return new NetkeepError('connection_reset', `${where}: the device disconnected (${msg}); check its session limits and ACLs`, undefined, { cause: err });
  }
  return classify(err, where);
}

class SshShell extends BufferedShell {
  private readonly stream: ClientChannel;
  private readonly owner: SshConnection;

  constructor(stream: ClientChannel, owner: SshConnection) {
    super();
    this.stream = stream;
    this.owner = owner;
    const onData = (chunk: Buffer) => {
      owner.deadlines.touch();
      this.deliver(chunk);
    };
    stream.on('data', onData);
    stream.stderr.on('data', onData);
    stream.on('close', () => this.finish(owner.lostError()));
    stream.on('error', (err: Error) => this.finish(classifySsh(err, owner.where)));
  }

  write(data: string | Buffer): void {
    if (this.closed) return;
    this.owner.deadlines.touch();
    this.stream.write(data);
  }
}

class SshConnection implements Connection {
  readonly protocol = 'ssh' as const;
  hostKey: string | undefined;
  readonly where: string;
  readonly deadlines: Deadlines;
  readonly client: InstanceType<typeof Client>;
  readonly sock: net.Socket;
  private readonly terminal: { cols: number; rows: number; term: string };
  private failure: NetkeepError | undefined;
  private lost = false;
  private isClosed = false;
  private shells = new Set<SshShell>();
  private execs = new Set<(err: NetkeepError) => void>();
  private onFailure: ((err: NetkeepError) => void) | undefined;

  constructor(opts: ConnectOptions, timeouts: Timeouts) {
    const port = opts.port ?? 22;
    this.where = `${opts.host}:${port}`;
    this.terminal = { ...DEFAULT_TERMINAL, ...(opts.terminal ?? {}) };
    this.deadlines = new Deadlines(timeouts, this.where, (err) => this.fail(err), opts.signal);
    this.client = new Client();
    this.sock = net.connect({ host: opts.host, port, noDelay: true });
    this.sock.setNoDelay(true);
    this.sock.on('error', () => {}); // ssh2 reports socket errors; this only keeps a late one from crashing
  }

  /** The error a channel reports when the connection went away under it. */
  lostError(): NetkeepError | undefined {
    if (this.failure) return this.failure;
    if (this.lost && !this.isClosed) {
      return new NetkeepError('connection_reset', `${this.where}: the device closed the connection in the middle of the session; check its session limits, ACLs and logs`);
    }
    return undefined;
  }

  async start(opts: ConnectOptions): Promise<void> {
    const creds = opts.credentials;
    const policy = opts.hostKey ?? {};
    const where = this.where;
    let hostKeyError: NetkeepError | undefined;

    const authQueue: AnyAuthMethod[] = [];
    const username = creds.username!;
    if (creds.privateKey) {
      authQueue.push({ type: 'publickey', username, key: creds.privateKey, ...(creds.passphrase ? { passphrase: creds.passphrase } : {}) } as AnyAuthMethod);
    }
    if (creds.password !== undefined) {
      authQueue.push({ type: 'password', username, password: creds.password });
      const password = creds.password;
      authQueue.push({
        type: 'keyboard-interactive',
        username,
        prompt: (_name: string, _instr: string, _lang: string, prompts: { prompt: string }[], finish: (answers: string[]) => void) => {
          finish(prompts.map(() => password));
        },
      } as AnyAuthMethod);
    }
    if (authQueue.length === 0) authQueue.push({ type: 'none', username });

    await new Promise<void>((resolve, reject) => {
      let settled = false;
      const done = (err?: NetkeepError) => {
        if (settled) return;
        settled = true;
        this.onFailure = undefined;
        if (err) reject(err);
        else resolve();
      };
      this.onFailure = (err) => done(err);

      this.client.on('ready', () => {
        this.deadlines.connected();
        done();
      });
      this.client.on('error', (err: Error) => {
        const ne = hostKeyError ?? classifySsh(err, where);
        if (!settled) {
          this.fail(ne);
          return;
        }
        // After login: remember it; channels report it when they close.
        if (!this.failure) this.failure = ne;
      });
      this.client.on('close', () => {
        this.lost = true;
        if (!settled) this.fail(hostKeyError ?? new NetkeepError('connection_reset', `${where}: the device closed the connection during SSH login; check its SSH settings, session limits and ACLs`));
        else this.release();
      });

      const hostVerifier = (blob: Buffer, verify: (ok: boolean) => void): void => {
        const seen = hostKeyString(blob);
        this.hostKey = seen;
        if (policy.pinned) {
          if (sameHostKey(policy.pinned, seen)) return verify(true);
          hostKeyError = new NetkeepError(
            'host_key_changed',
            `${where}: the SSH host key changed (pinned ${policy.pinned.split(/\s+/)[0]} key, device now shows ${seen.split(' ')[0]} ${fingerprint(blob)}); verify with the device owner that the key change is expected, then accept the new key with 'netkeep device accept-key DEVICE' (or in the web UI)`,
            { seen, pinned: policy.pinned },
          );
          return verify(false);
        }
        if (policy.acceptAny) return verify(true);
        if (policy.onFirstUse) {
          Promise.resolve()
            .then(() => policy.onFirstUse!(seen))
            .then(
              () => verify(true),
              (err) => {
                hostKeyError = new NetkeepError('storage_error', `${where}: could not store the host key seen on first use (${(err as Error)?.message ?? err}); check the database`, undefined, { cause: err });
                verify(false);
              },
            );
          return;
        }
        hostKeyError = new NetkeepError('config_error', `${where}: no host key is pinned for this device and trust on first use is off; pin the key or enable trust on first use`, { seen });
        verify(false);
      };

      try {
        this.client.connect({
          sock: this.sock,
          host: opts.host,
          port: opts.port ?? 22,
          username,
          readyTimeout: 0, // our own deadline covers TCP + handshake + auth
          keepaliveInterval: 0,
          algorithms: withPinnedKeyFirst(algorithmsFor(opts.algorithms ?? 'modern'), policy.pinned) as never,
          hostVerifier: hostVerifier as never,
          authHandler: (_methodsLeft: string[] | null, _partial: boolean | null, next: (a: AnyAuthMethod | false) => void) => {
            next(authQueue.length ? authQueue.shift()! : false);
          },
        } as never);
      } catch (err) {
        // privateKey that does not parse, bad options
        this.fail(new NetkeepError('config_error', `${where}: ${(err as Error).message}; check the private key and passphrase in the credential profile`, undefined, { cause: err }));
      }
    });
  }

  private fail(err: NetkeepError): void {
    if (!this.failure) this.failure = err;
    const f = this.onFailure;
    this.onFailure = undefined;
    for (const s of this.shells) s.finish(this.failure);
    for (const e of this.execs) e(this.failure);
    this.release();
    f?.(this.failure);
  }

  /** Free everything: timers, channels, the socket. */
  private release(): void {
    this.deadlines.clear();
    for (const s of this.shells) s.finish(this.lostError());
    this.shells.clear();
    try {
      this.client.end();
    } catch {
      /* already closed */
    }
    this.sock.destroy();
  }

  shell(): Promise<ShellChannel> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.isClosed || this.lost) return Promise.reject(new NetkeepError('internal', `${this.where}: shell() on a closed connection`));
    return new Promise((resolve, reject) => {
      const t = this.terminal;
      this.client.shell({ term: t.term, cols: t.cols, rows: t.rows, width: 0, height: 0 }, (err, stream) => {
        if (err) {
          reject(this.failure ?? new NetkeepError('protocol_error', `${this.where}: the device refused an interactive shell (${err.message}); check that the account may open a shell, or use a driver that runs commands over exec`, undefined, { cause: err }));
          return;
        }
        const sh = new SshShell(stream, this);
        this.shells.add(sh);
        resolve(sh);
      });
    });
  }

  exec(command: string, timeoutMs: number): Promise<ExecResult> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.isClosed || this.lost) return Promise.reject(new NetkeepError('internal', `${this.where}: exec() on a closed connection`));
    return new Promise((resolve, reject) => {
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      const onFail = (err: NetkeepError) => finish(err);
      const finish = (err?: NetkeepError, res?: ExecResult) => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        this.execs.delete(onFail);
        if (err) reject(err);
        else resolve(res!);
      };
      this.execs.add(onFail);
      timer = setTimeout(() => {
        const err = new NetkeepError('timeout', `${this.where}: '${command}' did not finish within ${secs(timeoutMs)}; the device may be hung, or raise the command timeout`, { deadline: 'exec', ms: timeoutMs });
        this.fail(err);
      }, timeoutMs);
      this.client.exec(command, (err, stream) => {
        if (err) {
          finish(this.failure ?? new NetkeepError('command_rejected', `${this.where}: the device refused to run '${command}' (${err.message}); check the account's privileges`, undefined, { cause: err }));
          return;
        }
        const out: Buffer[] = [];
        const errb: Buffer[] = [];
        let code: number | null = null;
        stream.on('data', (c: Buffer) => {
          this.deadlines.touch();
          out.push(c);
        });
        stream.stderr.on('data', (c: Buffer) => {
          this.deadlines.touch();
          errb.push(c);
        });
        stream.on('exit', (c: number | null) => {
          code = typeof c === 'number' ? c : null;
        });
        stream.on('close', () => {
          const lost = this.lostError();
          if (lost) finish(lost);
          else finish(undefined, { stdout: Buffer.concat(out), stderr: Buffer.concat(errb), code });
        });
      });
    });
  }

  /**
   * Copy one file from the device with SCP (the sink side of `scp -f PATH` on an exec channel):
   * how APC cards and many appliances hand out their configuration files.
   */
  download(path: string, timeoutMs: number): Promise<Buffer> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.isClosed || this.lost) return Promise.reject(new NetkeepError('internal', `${this.where}: download() on a closed connection`));
    const quoted = /^[\w./-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
    return new Promise((resolve, reject) => {
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      const onFail = (err: NetkeepError) => finish(err);
      const finish = (err?: NetkeepError, data?: Buffer) => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        this.execs.delete(onFail);
        if (err) reject(err);
        else resolve(data!);
      };
      this.execs.add(onFail);
      timer = setTimeout(() => {
        this.fail(new NetkeepError('timeout', `${this.where}: copying ${path} by SCP did not finish within ${secs(timeoutMs)}; the device may be hung, or raise the timeout`, { deadline: 'scp', ms: timeoutMs }));
      }, timeoutMs);
      this.client.exec(`scp -f ${quoted}`, (err, stream) => {
        if (err) {
          finish(this.failure ?? new NetkeepError('command_rejected', `${this.where}: the device refused SCP (${err.message}); enable SCP on the device for this account`, undefined, { cause: err }));
          return;
        }
        let buf = Buffer.alloc(0);
        let size = -1; // -1: waiting for the "C" header; >= 0: receiving the bytes
        let result: Buffer | undefined;
        const stderr: Buffer[] = [];
        const protocolError = (what: string) =>
          finish(new NetkeepError('protocol_error', `${this.where}: SCP of ${path} failed: ${what}`));
        stream.on('data', (c: Buffer) => {
          this.deadlines.touch();
          buf = Buffer.concat([buf, c]);
          if (size < 0) {
            const nl = buf.indexOf(0x0a);
            if (nl < 0) return;
            const line = buf.subarray(0, nl).toString('latin1');
            buf = buf.subarray(nl + 1);
            if (line.startsWith('\x01') || line.startsWith('\x02')) {
              const why = line.slice(1).trim();
              finish(new NetkeepError(/no such file|not found/i.test(why) ? 'command_rejected' : 'protocol_error', `${this.where}: the device could not send ${path} by SCP (${why}); check the file name and that this account may read it`));
              return;
            }
            const m = /^C[0-7]{4} (\d+) /.exec(line);
            if (!m) return protocolError(`unexpected answer ${JSON.stringify(line.slice(0, 80))} (is this an SCP server?)`);
            size = Number(m[1]);
            stream.write(Buffer.from([0]));
          }
          if (size >= 0 && result === undefined && buf.length >= size + 1) {
            if (buf[size] !== 0) return protocolError('the transfer did not end with a success byte');
            result = Buffer.from(buf.subarray(0, size));
            stream.write(Buffer.from([0]));
            stream.end();
          }
        });
        stream.stderr.on('data', (c: Buffer) => stderr.push(c));
        stream.on('close', () => {
          const lost = this.lostError();
          if (lost) finish(lost);
          else if (result !== undefined) finish(undefined, result);
          else protocolError(`the channel closed early${stderr.length ? ` (${Buffer.concat(stderr).toString('utf8').trim().slice(0, 200)})` : ''}`);
        });
        stream.write(Buffer.from([0]));
      });
    });
  }

  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    if (this.execs.size) {
      const err = new NetkeepError('internal', `${this.where}: the connection was closed while a command was still running on an exec channel`);
      for (const e of [...this.execs]) e(err);
    }
    this.release();
  }
}

/**
 * A device with several host keys shows the one whose type we list first; list the pinned
 * key's type first so that a device with an ed25519 and an RSA key is not taken for a
 * changed one.
 */
function withPinnedKeyFirst(lists: AlgorithmLists, pinned: string | undefined): AlgorithmLists {
  if (!pinned) return lists;
  const type = pinned.trim().split(/\s+/)[0];
  const family = type === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [type];
  const first = lists.serverHostKey.filter((a) => family.includes(a));
  if (first.length === 0) return lists;
  return { ...lists, serverHostKey: [...first, ...lists.serverHostKey.filter((a) => !family.includes(a))] };
}

function fingerprint(blob: Buffer): string {
  // OpenSSH style SHA256 fingerprint, so the operator can compare with `ssh-keygen -lf`.
  return `SHA256:${ssh2HashBase64(blob)}`;
}

function ssh2HashBase64(blob: Buffer): string {
  return createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}

/** Open an authenticated SSH connection. Rejects with a classified NetkeepError. */
export async function connectSsh(opts: ConnectOptions): Promise<Connection> {
  const timeouts = resolveTimeouts(opts.timeouts);
  const creds = opts.credentials ?? {};
  if (!creds.username) {
    throw new NetkeepError('config_error', `${opts.host}: SSH needs a username; set one in the device's credential profile (netkeep fetch: --username)`);
  }
  // Without a password or key, SSH "none" authentication is tried (some devices and lab
  // set-ups allow it); a refusal then says what is missing instead of "wrong credentials".
  const noSecret = creds.password === undefined && !creds.privateKey;
  if (creds.privateKey) {
    const parsed = ssh2.utils.parseKey(creds.privateKey, creds.passphrase);
    if (parsed instanceof Error) {
      throw new NetkeepError('config_error', `${opts.host}: the private key in the credential profile cannot be used (${parsed.message}); check the key text and its passphrase`);
    }
  }
  const conn = new SshConnection(opts, timeouts);
  try {
    await conn.start(opts);
  } catch (err) {
    conn.close();
    const e = classifySsh(err, conn.where);
    if (noSecret && e.failureClass === 'auth_failed') {
      throw new NetkeepError('auth_failed', `${conn.where}: the device wants a password or a key and none is configured; set one in the credential profile (netkeep fetch: --password or --key)`, undefined, { cause: err });
    }
    throw e;
  }
  return conn;
}

/** What a protocol riding on SSH channels (the NETCONF subsystem, SFTP) needs from a connection. */
export interface SshChannelHost {
  /** The authenticated ssh2 client: open subsystems, SFTP, exec channels on it. */
  readonly client: InstanceType<typeof Client>;
  /** "host:port", for messages. */
  readonly where: string;
  /** Traffic seen or sent: restart the connection's idle deadline. */
  touch(): void;
  /** The classified reason the connection went away (deadline, reset), if it did. */
  lostError(): NetkeepError | undefined;
}

/** The channel host under a connection opened by `connectSsh` (NETCONF and SFTP reuse its set-up). */
export function sshChannelHost(conn: Connection): SshChannelHost {
  if (!(conn instanceof SshConnection)) {
    throw new NetkeepError('internal', `${conn.protocol} connection has no SSH channels; NETCONF and SFTP need an SSH connection`);
  }
  return { client: conn.client, where: conn.where, touch: () => conn.deadlines.touch(), lostError: () => conn.lostError() };
}

/** Connect with `connectSsh` and hand back the channel host too (NETCONF, SFTP); closes on failure. */
export async function connectSshChannels(opts: ConnectOptions): Promise<{ conn: Connection; host: SshChannelHost }> {
  const conn = await connectSsh(opts);
  try {
    return { conn, host: sshChannelHost(conn) };
  } catch (err) {
    conn.close();
    throw err;
  }
}

/**
 * Whether ssh2's native crypto binding loaded. Without it (an addon built for another Node
 * version) SSH still works, on a JavaScript path that costs noticeably more CPU per session.
 */
export function sshNativeCrypto(): boolean {
  try {
    const crypto = createRequire(import.meta.url)('ssh2/lib/protocol/crypto.js') as { bindingAvailable?: boolean };
    return crypto.bindingAvailable === true;
  } catch {
    return false;
  }
}

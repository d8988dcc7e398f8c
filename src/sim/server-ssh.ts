// Simulator SSH server (ssh2 Server) hosting SimDevices on 127.0.0.1.
//
// Device selection, two modes:
//  * 'username' (default): one port for a whole fleet; the SSH username picks the device
//    (device.auth.username, else device.name). One listening socket, one host key, O(1)
//    lookup: this is what scales to 10,000 devices.
//  * 'port': every device gets its own listening port (own net.Server, sockets injected
//    into one shared ssh2 Server per host key). Use it for recordings, whose sessions know
//    no username, and for a device that must show its own host key.
import net from 'node:net';
import ssh2 from 'ssh2';
import type { Connection as Ssh2ServerConnection, ServerChannel, AuthContext, ParsedKey } from 'ssh2';
import type { AlgorithmLists } from '../transports/algorithms.ts';
import { hostKeyString } from '../transports/ssh.ts';
import { SimError } from './types.ts';
import type { DeviceAction, DeviceSession, SimDevice } from './types.ts';

const { Server, utils } = ssh2;

export type KeyType = 'ed25519' | 'rsa';

/** A fresh host key pair: private in OpenSSH format, public as "<algo> <base64>". */
export function generateHostKey(type: KeyType = 'ed25519'): { privateKey: string; publicKey: string } {
  // ssh2's generator writes a key its own parser rejects about 7 times in 1,000 (measured):
  // keep generating until the key parses, so a simulator never fails to start by chance.
  for (let attempt = 0; ; attempt++) {
    const k = type === 'rsa' ? utils.generateKeyPairSync('rsa', { bits: 2048 }) : utils.generateKeyPairSync('ed25519');
    if (!(utils.parseKey(k.private) instanceof Error) || attempt >= 20) {
      return { privateKey: k.private, publicKey: k.public.trim().split(/\s+/).slice(0, 2).join(' ') };
    }
  }
}

/** The public half ("<algo> <base64>") of a private host key. */
export function publicKeyOf(privateKey: string): string {
  const parsed = utils.parseKey(privateKey);
  const key = (Array.isArray(parsed) ? parsed[0] : parsed) as ParsedKey;
  if (key instanceof Error) throw key;
  return hostKeyString(key.getPublicSSH());
}

/**
 * Carries out DeviceActions on one channel in order: sends (with backpressure), delays,
 * hang (stop answering), close (drop the TCP connection). Shared with the telnet server.
 */
export class ActionRunner {
  private queue: DeviceAction[] = [];
  private qi = 0;
  private busy = false;
  private hung = false;
  private disposed = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly write: (data: string, drained: () => void) => boolean;
  private readonly drop: () => void;
  private readonly idle: () => void;

  /**
   * @param write sends latin1 data; returns false when the caller must wait for `drained`.
   * @param drop abrupt close of the connection (mid-output).
   * @param idle called whenever the queue has run empty (used to end after logout).
   */
  constructor(write: (data: string, drained: () => void) => boolean, drop: () => void, idle: () => void) {
    this.write = write;
    this.drop = drop;
    this.idle = idle;
  }

  get isHung(): boolean {
    return this.hung;
  }

  run(actions: DeviceAction[]): void {
    if (this.disposed || this.hung) return;
    if (this.qi >= this.queue.length) {
      this.queue = actions;
      this.qi = 0;
    } else {
      for (const a of actions) this.queue.push(a);
    }
    if (!this.busy) this.pump();
  }

  private pump(): void {
    this.busy = true;
    while (!this.disposed && this.qi < this.queue.length) {
      const a = this.queue[this.qi++];
      switch (a.kind) {
        case 'send':
          if (a.data.length === 0) break;
          if (!this.write(a.data, () => this.pump())) return; // resumes on drain
          break;
        case 'delay':
          this.timer = setTimeout(() => {
            this.timer = undefined;
            this.pump();
          }, a.ms);
          return;
        case 'hang':
          this.hung = true;
          this.queue = [];
          this.qi = 0;
          this.busy = false;
          return;
        case 'close':
          this.dispose();
          this.drop();
          return;
      }
    }
    this.busy = false;
    if (!this.disposed) this.idle();
  }

  get pending(): boolean {
    return this.busy || this.qi < this.queue.length;
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue = [];
    this.qi = 0;
  }
}

export interface SshDeviceEntry {
  device: SimDevice;
  /** Port mode: the device's own port (0 = ephemeral). */
  port?: number;
  /** Port mode: a host key of its own (to simulate a changed host key). */
  hostKey?: string;
}

export interface SimSshServerOptions {
  /** Private host key (OpenSSH/PEM). Default: an ed25519 key generated at start. */
  hostKey?: string;
  hostKeyType?: KeyType;
  /** More host keys of other types (a device with an ed25519 and an RSA key). */
  extraHostKeys?: string[];
  /** Restrict the algorithms (e.g. legacyOnlyAlgorithms() to play an old device). */
  algorithms?: AlgorithmLists;
  mode?: 'username' | 'port';
  /** Username mode: the shared port (0 = ephemeral). */
  port?: number;
  /** Sent before the SSH identification line (login banner some gear prints). */
  banner?: string;
}

interface HostKeyGroup {
  server: InstanceType<typeof Server>;
  publicKey: string;
}

/** Counts sessions for tests and benchmarks. */
export interface SimStats {
  connections: number;
  authFailures: number;
  sessions: number;
  active: number;
}

export class SimSshServer {
  readonly mode: 'username' | 'port';
  readonly stats: SimStats = { connections: 0, authFailures: 0, sessions: 0, active: 0 };
  private readonly opts: SimSshServerOptions;
  private readonly byUser = new Map<string, SimDevice>();
  private readonly byPort = new Map<number, SimDevice>();
  private readonly portOfDevice = new Map<string, number>();
  private readonly groups = new Map<string, HostKeyGroup>();
  private readonly listeners: net.Server[] = [];
  private readonly sockets = new Set<net.Socket>();
  private readonly defaultKey: string;
  private sharedPort = 0;
  private closed = false;

  constructor(opts: SimSshServerOptions = {}) {
    this.opts = opts;
    this.mode = opts.mode ?? 'username';
    this.defaultKey = opts.hostKey ?? generateHostKey(opts.hostKeyType ?? 'ed25519').privateKey;
  }

  /** The public host key ("<algo> <base64>") of the server (or of a device with its own key). */
  hostKeyOf(deviceName?: string): string {
    const key = deviceName ? (this.deviceKeys.get(deviceName) ?? this.defaultKey) : this.defaultKey;
    return this.group(key).publicKey;
  }
  private readonly deviceKeys = new Map<string, string>();

  /** Username mode: the shared port. */
  get port(): number {
    return this.sharedPort;
  }

  /** The port a device answers on (either mode). */
  portOf(deviceName: string): number {
    const p = this.mode === 'port' ? this.portOfDevice.get(deviceName) : this.sharedPort;
    if (p === undefined) throw new Error(`device '${deviceName}' is not served`);
    return p;
  }

  private group(privateKey: string): HostKeyGroup {
    let g = this.groups.get(privateKey);
    if (g) return g;
    const keys = privateKey === this.defaultKey ? [privateKey, ...(this.opts.extraHostKeys ?? [])] : [privateKey];
    const cfg: Record<string, unknown> = { hostKeys: keys, ident: 'SSH-2.0-netkeep-sim' };
    if (this.opts.banner) cfg.greeting = this.opts.banner;
    if (this.opts.algorithms) {
      const a = this.opts.algorithms;
      cfg.algorithms = { kex: a.kex, cipher: a.cipher, hmac: a.hmac, compress: a.compress, serverHostKey: a.serverHostKey };
    }
    const server = new Server(cfg as never, (client, info) => this.onClient(client, info));
    server.on('error', () => {});
    g = { server, publicKey: publicKeyOf(privateKey) };
    this.groups.set(privateKey, g);
    return g;
  }

  /** Username mode: start listening on the shared port, serving these devices. */
  async listen(devices: SimDevice[] = []): Promise<void> {
    if (this.mode !== 'username') throw new Error('listen() is for username mode; use addDevice() in port mode');
    for (const d of devices) this.addUser(d);
    this.sharedPort = await this.openListener(this.opts.port ?? 0, this.group(this.defaultKey), undefined);
  }

  private addUser(d: SimDevice): void {
    this.byUser.set(d.auth.username ?? d.name, d);
  }

  /** Add a device: in username mode at once; in port mode on its own new port. Returns the port. */
  async addDevice(entry: SshDeviceEntry | SimDevice): Promise<number> {
    const e: SshDeviceEntry = 'device' in entry ? entry : { device: entry };
    if (this.mode === 'username') {
      if (e.hostKey) throw new Error('a device with its own host key needs port mode (the key is shown before the username is known)');
      this.addUser(e.device);
      return this.sharedPort;
    }
    const key = e.hostKey ?? this.defaultKey;
    if (e.hostKey) this.deviceKeys.set(e.device.name, e.hostKey);
    const port = await this.openListener(e.port ?? 0, this.group(key), e.device);
    this.portOfDevice.set(e.device.name, port);
    return port;
  }

  private openListener(port: number, g: HostKeyGroup, device: SimDevice | undefined): Promise<number> {
    return new Promise((resolve, reject) => {
      const srv = net.createServer({ noDelay: true }, (sock) => {
        sock.setNoDelay(true);
        this.sockets.add(sock);
        sock.once('close', () => this.sockets.delete(sock));
        sock.on('error', () => {});
        this.stats.connections++;
        g.server.injectSocket(sock);
      });
      srv.once('error', reject);
      srv.listen({ host: '127.0.0.1', port, backlog: 4096 }, () => {
        srv.removeListener('error', reject);
        srv.on('error', () => {});
        const p = (srv.address() as net.AddressInfo).port;
        if (device) this.byPort.set(p, device);
        this.listeners.push(srv);
        resolve(p);
      });
    });
  }

  private resolveDevice(client: Ssh2ServerConnection, username: string): SimDevice | undefined {
    if (this.mode === 'username') return this.byUser.get(username);
    // ssh2 does not expose the accepted socket publicly; its local port names the device.
    const sock = (client as unknown as { _sock?: net.Socket })._sock;
    return sock?.localPort !== undefined ? this.byPort.get(sock.localPort) : undefined;
  }

  private onClient(client: Ssh2ServerConnection, _info: unknown): void {
    let device: SimDevice | undefined;
    client.on('error', () => {});
    client.on('authentication', (ctx: AuthContext) => {
      device ??= this.resolveDevice(client, ctx.username);
      if (!device) {
        this.stats.authFailures++;
        return ctx.reject();
      }
      const verdict = checkAuth(device, ctx);
      if (verdict === 'accept') return ctx.accept();
      if (verdict === 'pending') return;
      if (verdict === 'reject-final') this.stats.authFailures++;
      ctx.reject(allowedMethods(device));
    });
    client.on('ready', () => {
      const dev = device!;
      client.on('session', (acceptSession) => {
        const session = acceptSession();
        session.on('pty', (accept) => accept?.());
        session.on('window-change', (accept) => accept?.());
        session.on('env', (accept) => accept?.());
        session.on('shell', (accept) => {
          const stream = accept();
          this.runShell(dev, client, stream);
        });
        session.on('exec', (accept, _reject, info) => {
          const stream = accept();
          this.runExec(dev, client, stream, info.command);
        });
      });
    });
  }

  private runShell(device: SimDevice, client: Ssh2ServerConnection, stream: ServerChannel): void {
    this.stats.sessions++;
    this.stats.active++;
    let ds: DeviceSession;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      this.stats.active--;
      runner.dispose();
    };
    const runner = new ActionRunner(
      channelWriter(stream),
      () => {
        finish();
        dropConnection(client);
      },
      () => {
        if (ds?.finished && !done) {
          finish();
          stream.exit(0);
          stream.end();
          setImmediate(() => client.end());
        }
      },
    );
    stream.on('close', finish);
    stream.on('error', () => {});
    try {
      ds = device.newSession();
      runner.run(ds.greeting());
    } catch (err) {
      return failSession(stream, client, err, finish);
    }
    stream.on('data', (chunk: Buffer) => {
      if (done || runner.isHung) return;
      try {
        runner.run(ds.input(chunk.toString('latin1')));
      } catch (err) {
        failSession(stream, client, err, finish);
      }
    });
  }

  private runExec(device: SimDevice, client: Ssh2ServerConnection, stream: ServerChannel, command: string): void {
    this.stats.sessions++;
    let done = false;
    const finish = () => {
      done = true;
      runner.dispose();
    };
    const runner = new ActionRunner(
      channelWriter(stream),
      () => {
        finish();
        dropConnection(client);
      },
      () => {
        if (done) return;
        finish();
        stream.exit(0);
        stream.end();
      },
    );
    stream.on('close', finish);
    stream.on('error', () => {});
    try {
      const session = device.newSession();
      const scp = /^scp(?: -[a-zA-Z]+)* -f (?:'([^']+)'|(\S+))$/.exec(command.trim());
      if (scp && session.file) {
        serveScp(stream, scp[1] ?? scp[2]!, session.file(scp[1] ?? scp[2]!), finish);
        return;
      }
      const sink = /^scp(?: -[a-zA-Z]+)* -t (?:'([^']+)'|(\S+))$/.exec(command.trim());
      if (sink && session.putFile) {
        receiveScp(stream, sink[1] ?? sink[2]!, session, finish);
        return;
      }
      runner.run(session.exec(command));
    } catch (err) {
      finish();
      stream.stderr.write(`${(err as Error).message}\n`);
      stream.exit(1);
      stream.end();
    }
  }

  /** Stop listening and drop every connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await Promise.all(this.listeners.map((l) => new Promise<void>((r) => l.close(() => r()))));
    this.listeners.length = 0;
  }
}

function failSession(stream: ServerChannel, client: Ssh2ServerConnection, err: unknown, finish: () => void): void {
  finish();
  if (err instanceof SimError) {
    // A recording that cannot answer: tell on stderr, then drop (like a device that gave up).
    try {
      stream.stderr.write(`\r\nnetkeep-sim: ${err.message}\r\n`);
    } catch {
      /* closed */
    }
  }
  setImmediate(() => dropConnection(client));
}

/** Drop the TCP connection abruptly (RST), like a device that crashes or a firewall that cuts in. */
function dropConnection(client: Ssh2ServerConnection): void {
  const sock = (client as unknown as { _sock?: net.Socket })._sock;
  if (sock && !sock.destroyed) sock.resetAndDestroy();
  else client.end();
}

function allowedMethods(device: SimDevice): ('password' | 'keyboard-interactive' | 'publickey')[] {
  const a = device.auth;
  const m: ('password' | 'keyboard-interactive' | 'publickey')[] = [];
  if (a.publicKey) m.push('publickey');
  if (a.password !== undefined || !a.publicKey) m.push(a.keyboardInteractive ? 'keyboard-interactive' : 'password');
  return m;
}

const parsedKeys = new Map<string, ParsedKey>();
function parsedPublicKey(line: string): ParsedKey {
  let k = parsedKeys.get(line);
  if (!k) {
    const p = utils.parseKey(line);
    const key = (Array.isArray(p) ? p[0] : p) as ParsedKey | Error;
    if (key instanceof Error) throw key;
    k = key;
    parsedKeys.set(line, k);
  }
  return k;
}

type Verdict = 'accept' | 'reject' | 'reject-final' | 'pending';

function checkAuth(device: SimDevice, ctx: AuthContext): Verdict {
  const a = device.auth;
  if (a.username !== undefined && ctx.username !== a.username) return 'reject-final';
  const open = a.password === undefined && a.publicKey === undefined;
  switch (ctx.method) {
    case 'none':
      return open && !a.keyboardInteractive ? 'accept' : 'reject';
    case 'password':
      if (a.keyboardInteractive) return 'reject';
      if (a.password === undefined) return open ? 'accept' : 'reject';
      return ctx.password === a.password ? 'accept' : 'reject-final';
    case 'keyboard-interactive': {
      if (!a.keyboardInteractive) return 'reject';
      ctx.prompt([{ prompt: 'Password: ', echo: false }], 'netkeep-sim', (answers) => {
        if (a.password === undefined || answers[0] === a.password) ctx.accept();
        else ctx.reject(allowedMethods(device));
      });
      return 'pending';
    }
    case 'publickey': {
      if (open && !a.keyboardInteractive) return 'accept'; // a device that accepts anyone
      if (!a.publicKey) return 'reject';
      const want = parsedPublicKey(a.publicKey);
      if (ctx.key.algo !== want.type || !ctx.key.data.equals(want.getPublicSSH())) return 'reject-final';
      if (!ctx.signature) return 'accept'; // the client only asks whether the key would do
      return want.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) === true ? 'accept' : 'reject-final';
    }
    default:
      return 'reject';
  }
}

/**
 * The source side of the SCP protocol (`scp -f PATH`): wait for the client's 0, send
 * "C0644 size name", wait, send the bytes and a 0, wait, exit. A missing file is an SCP error.
 */
function serveScp(stream: ServerChannel, path: string, content: string | undefined, finish: () => void): void {
  let step = 0;
  const data = content === undefined ? undefined : Buffer.from(content, 'latin1');
  const end = (code: number) => {
    finish();
    stream.exit(code);
    stream.end();
  };
  stream.on('data', (chunk: Buffer) => {
    for (const byte of chunk) {
      if (byte !== 0) {
        end(1);
        return;
      }
      if (step === 0) {
        if (!data) {
          stream.write(`\x01scp: ${path}: No such file or directory\n`);
          end(1);
          return;
        }
        stream.write(`C0644 ${data.length} ${path.split('/').pop()}\n`);
      } else if (step === 1) {
        stream.write(Buffer.concat([data!, Buffer.from([0])]));
      } else {
        end(0);
        return;
      }
      step++;
    }
  });
}

/**
 * The sink side of the SCP protocol (`scp -t PATH`): send 0 (ready), read "C0644 size name",
 * ack, read the bytes and a 0, ack, then hand the file to the device (which may refuse it).
 */
function receiveScp(stream: ServerChannel, path: string, session: DeviceSession, finish: () => void): void {
  let buf = Buffer.alloc(0);
  let size = -1;
  let done = false;
  const end = (code: number, error?: string) => {
    if (done) return;
    done = true;
    if (error) stream.write(`\x01scp: ${path}: ${error}\n`);
    finish();
    stream.exit(code);
    stream.end();
  };
  stream.on('data', (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    if (size < 0) {
      const nl = buf.indexOf(0x0a);
      if (nl < 0) return;
      const m = /^C[0-7]{4} (\d+) \S+$/.exec(buf.subarray(0, nl).toString('latin1'));
      if (!m) return end(1, 'protocol error: expected a C line');
      size = Number(m[1]);
      buf = buf.subarray(nl + 1);
      stream.write(Buffer.from([0]));
    }
    if (buf.length < size + 1) return;
    const content = buf.subarray(0, size).toString('latin1');
    const refused = session.putFile!(path, content);
    if (refused) return end(1, refused);
    stream.write(Buffer.from([0]));
    done = true;
    finish();
    // the client closes its side after the last ack; then we exit
    setImmediate(() => {
      stream.exit(0);
      stream.end();
    });
  });
  stream.write(Buffer.from([0]));
}

/** Writes device output to an SSH channel with backpressure; a closed channel swallows it. */
function channelWriter(stream: ServerChannel): (data: string, drained: () => void) => boolean {
  return (data, drained) => {
    if (stream.destroyed || !stream.writable) return true;
    const ok = stream.write(Buffer.from(data, 'latin1'));
    if (!ok) stream.once('drain', drained);
    return ok;
  };
}

// Simulator Telnet server hosting SimDevices on 127.0.0.1. It negotiates like a Cisco VTY
// (WILL ECHO, WILL SGA, DO TTYPE, DO NAWS), runs the "Username:/Password:" dialogue, then
// hands the line to the device's DeviceSession (NVT CR LF / CR NUL turned into LF / CR).
// Device selection as in the SSH server: by username on one port, or one port per device.
import net from 'node:net';
import { TelnetCodec, WILL, DO, OPT_ECHO, OPT_SGA, OPT_TTYPE, OPT_NAWS, escapeIac } from '../transports/telnet.ts';
import { ActionRunner } from './server-ssh.ts';
import type { SimStats } from './server-ssh.ts';
import type { DeviceSession, SimDevice } from './types.ts';

export interface SimTelnetServerOptions {
  mode?: 'username' | 'port';
  port?: number;
  /** Printed before the login dialogue. */
  banner?: string;
  /** Failed logins before the server hangs up (IOS: 3). */
  maxTries?: number;
}

export class SimTelnetServer {
  readonly mode: 'username' | 'port';
  readonly stats: SimStats = { connections: 0, authFailures: 0, sessions: 0, active: 0 };
  /** Terminal types and window sizes the clients announced (for tests). */
  readonly negotiated: { ttype?: string; cols?: number; rows?: number }[] = [];
  private readonly opts: SimTelnetServerOptions;
  private readonly byUser = new Map<string, SimDevice>();
  private readonly portOfDevice = new Map<string, number>();
  private readonly listeners: net.Server[] = [];
  private readonly sockets = new Set<net.Socket>();
  private sharedPort = 0;

  constructor(opts: SimTelnetServerOptions = {}) {
    this.opts = opts;
    this.mode = opts.mode ?? 'username';
  }

  get port(): number {
    return this.sharedPort;
  }

  portOf(deviceName: string): number {
    const p = this.mode === 'port' ? this.portOfDevice.get(deviceName) : this.sharedPort;
    if (p === undefined) throw new Error(`device '${deviceName}' is not served`);
    return p;
  }

  async listen(devices: SimDevice[] = []): Promise<void> {
    if (this.mode !== 'username') throw new Error('listen() is for username mode; use addDevice() in port mode');
    for (const d of devices) this.byUser.set(d.auth.username ?? d.name, d);
    this.sharedPort = await this.openListener(this.opts.port ?? 0, undefined);
  }

  async addDevice(device: SimDevice, port = 0): Promise<number> {
    if (this.mode === 'username') {
      this.byUser.set(device.auth.username ?? device.name, device);
      return this.sharedPort;
    }
    const p = await this.openListener(port, device);
    this.portOfDevice.set(device.name, p);
    return p;
  }

  private openListener(port: number, device: SimDevice | undefined): Promise<number> {
    return new Promise((resolve, reject) => {
      const srv = net.createServer({ noDelay: true }, (sock) => this.onSocket(sock, device));
      srv.once('error', reject);
      srv.listen({ host: '127.0.0.1', port, backlog: 4096 }, () => {
        srv.removeListener('error', reject);
        srv.on('error', () => {});
        this.listeners.push(srv);
        resolve((srv.address() as net.AddressInfo).port);
      });
    });
  }

  private onSocket(sock: net.Socket, fixed: SimDevice | undefined): void {
    this.stats.connections++;
    this.sockets.add(sock);
    sock.setNoDelay(true);
    sock.on('error', () => {});
    const info: { ttype?: string; cols?: number; rows?: number } = {};
    this.negotiated.push(info);
    if (this.negotiated.length > 1000) this.negotiated.shift();
    const send = (b: Buffer) => {
      if (!sock.destroyed && sock.writable) sock.write(b);
    };
    const codec = new TelnetCodec(send, {
      local: [OPT_ECHO, OPT_SGA],
      remote: [OPT_TTYPE, OPT_NAWS, OPT_SGA],
      onAgreed: (who, opt) => {
        if (who === 'remote' && opt === OPT_TTYPE) codec.subnegotiate(OPT_TTYPE, [1]); // SEND
      },
      onSubnegotiation: (opt, data) => {
        if (opt === OPT_TTYPE && data[0] === 0) info.ttype = data.subarray(1).toString('latin1');
        if (opt === OPT_NAWS && data.length >= 4) {
          info.cols = data.readUInt16BE(0);
          info.rows = data.readUInt16BE(2);
        }
      },
    });
    codec.request(WILL, OPT_ECHO);
    codec.request(WILL, OPT_SGA);
    codec.request(DO, OPT_TTYPE);
    codec.request(DO, OPT_NAWS);

    const out = (s: string) => send(escapeIac(Buffer.from(s, 'latin1')));
    const maxTries = this.opts.maxTries ?? 3;
    let phase: 'user' | 'pass' | 'shell' = 'user';
    let line = '';
    let lastCR = false;
    let username = '';
    let tries = 0;
    let device = fixed;
    let ds: DeviceSession | undefined;
    let runner: ActionRunner | undefined;
    let finished = false;

    const finish = () => {
      if (finished) return;
      finished = true;
      if (phase === 'shell') this.stats.active--;
      runner?.dispose();
    };
    sock.once('close', () => {
      this.sockets.delete(sock);
      finish();
    });

    if (this.opts.banner) out(this.opts.banner);
    out('\r\nUser Access Verification\r\n\r\nUsername: ');

    const loginLine = (text: string) => {
      if (phase === 'user') {
        username = text;
        out('\r\nPassword: ');
        phase = 'pass';
        return;
      }
      // password
      const dev = device ?? this.byUser.get(username);
      const a = dev?.auth;
      const ok = !!dev && (a!.username === undefined || a!.username === username) && (a!.password === undefined || a!.password === text) && !a!.publicKey;
      if (!ok) {
        this.stats.authFailures++;
        tries++;
        if (tries >= maxTries) {
          out('\r\n% Authentication failed\r\n');
          sock.end();
          finish();
          return;
        }
        out('\r\n% Authentication failed\r\n\r\nUsername: ');
        phase = 'user';
        return;
      }
      device = dev;
      phase = 'shell';
      this.stats.sessions++;
      this.stats.active++;
      out('\r\n');
      startShell(dev!);
    };

    const startShell = (dev: SimDevice) => {
      runner = new ActionRunner(
        (data, drained) => {
          if (sock.destroyed || !sock.writable) return true;
          const ok = sock.write(escapeIac(Buffer.from(data, 'latin1')));
          if (!ok) sock.once('drain', drained);
          return ok;
        },
        () => {
          finish();
          sock.resetAndDestroy();
        },
        () => {
          if (ds?.finished && !finished) {
            finish();
            sock.end();
          }
        },
      );
      try {
        ds = dev.newSession();
        runner.run(ds.greeting());
      } catch (err) {
        out(`\r\nnetkeep-sim: ${(err as Error).message}\r\n`);
        finish();
        sock.resetAndDestroy();
      }
    };

    sock.on('data', (chunk: Buffer) => {
      if (finished) return;
      const data = codec.decode(chunk);
      if (data.length === 0) return;
      // NVT newline handling: CR LF -> LF, CR NUL -> CR.
      let text = '';
      for (let i = 0; i < data.length; i++) {
        const b = data[i];
        if (lastCR) {
          lastCR = false;
          if (b === 10) {
            text += '\n';
            continue;
          }
          text += '\r';
          if (b === 0) continue;
        }
        if (b === 13) lastCR = true;
        else text += String.fromCharCode(b);
      }
      if (phase === 'shell') {
        if (!runner || runner.isHung || !ds) return;
        try {
          runner.run(ds.input(text));
        } catch (err) {
          out(`\r\nnetkeep-sim: ${(err as Error).message}\r\n`);
          finish();
          sock.resetAndDestroy();
        }
        return;
      }
      for (const ch of text) {
        if ((phase as string) === 'shell') {
          // bytes typed ahead right after the password: give them to the device
          if (runner && ds && !runner.isHung) runner.run(ds.input(ch));
          continue;
        }
        if (ch === '\n' || ch === '\r') {
          const l = line;
          line = '';
          if (phase === 'user') out(l);
          loginLine(l);
        } else if (ch !== '\0') line += ch;
      }
    });
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await Promise.all(this.listeners.map((l) => new Promise<void>((r) => l.close(() => r()))));
    this.listeners.length = 0;
  }
}

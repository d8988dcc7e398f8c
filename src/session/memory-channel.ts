// An in-process transport: connects a simulated device (DeviceSession) to the
// Connection/ShellChannel interfaces without sockets. Bytes travel asynchronously
// (one macrotask per action), in order, exactly as the device answers them.

import { NetkeepError } from '../errors.ts';
import { SimError, type DeviceAction, type DeviceSession, type SimDevice } from '../sim/types.ts';
import type { CliProtocol, Connection, ExecResult, ShellChannel } from '../transports/types.ts';

const tick = () => new Promise<void>((r) => setImmediate(r));

class MemoryShell implements ShellChannel {
  private readonly session: DeviceSession;
  private dataListener: ((chunk: Buffer) => void) | undefined;
  private readonly closeListeners: ((err?: Error) => void)[] = [];
  private pending: Buffer[] = [];
  private queue: Promise<void> = Promise.resolve();
  private hung = false;
  private isClosed = false;
  private closeErr: Error | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(session: DeviceSession) {
    this.session = session;
    this.run(() => session.greeting());
  }

  get closed(): boolean {
    return this.isClosed;
  }

  write(data: string | Buffer): void {
    if (this.isClosed || this.hung) return;
    const text = typeof data === 'string' ? Buffer.from(data, 'latin1').toString('latin1') : data.toString('latin1');
    this.run(() => this.session.input(text));
  }

  onData(listener: (chunk: Buffer) => void): void {
    this.dataListener = listener;
    const p = this.pending;
    this.pending = [];
    for (const b of p) listener(b);
  }

  onClose(listener: (err?: Error) => void): void {
    if (this.isClosed) queueMicrotask(() => listener(this.closeErr));
    else this.closeListeners.push(listener);
  }

  /** Compute the device's answer now (so input order is kept) and deliver it later, in order. */
  private run(produce: () => DeviceAction[]): void {
    let actions: DeviceAction[];
    try {
      actions = produce();
    } catch (err) {
      const e = err instanceof SimError ? err : new SimError(String((err as Error)?.message ?? err));
      this.queue = this.queue.then(() => this.close(e));
      return;
    }
    if (this.session.finished) actions = [...actions, { kind: 'close' }];
    this.queue = this.queue.then(() => this.perform(actions));
  }

  private async perform(actions: DeviceAction[]): Promise<void> {
    for (const a of actions) {
      if (this.isClosed || this.hung) return;
      switch (a.kind) {
        case 'send':
          await tick();
          if (this.isClosed) return;
          this.emit(Buffer.from(a.data, 'latin1'));
          break;
        case 'delay':
          await new Promise<void>((r) => {
            const t = setTimeout(() => {
              this.timers.delete(t);
              r();
            }, a.ms);
            this.timers.add(t);
          });
          break;
        case 'close':
          await tick();
          this.close();
          return;
        case 'hang':
          this.hung = true;
          return;
      }
    }
  }

  private emit(b: Buffer): void {
    if (this.dataListener) this.dataListener(b);
    else this.pending.push(b);
  }

  close(err?: Error): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.closeErr = err;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const l of this.closeListeners.splice(0)) l(err);
  }
}

/** A Connection to a simulated device, in process. */
export class MemoryConnection implements Connection {
  readonly protocol: CliProtocol;
  readonly hostKey: string | undefined = undefined;
  private readonly device: SimDevice;
  private readonly shells: MemoryShell[] = [];
  private execSession: DeviceSession | undefined;
  private isClosed = false;

  constructor(device: SimDevice, protocol: CliProtocol = 'ssh') {
    this.device = device;
    this.protocol = protocol;
  }

  async shell(): Promise<ShellChannel> {
    if (this.isClosed) throw new NetkeepError('connection_reset', 'the in-memory connection is closed');
    if (this.protocol === 'telnet' && this.shells.length > 0) {
      throw new NetkeepError('internal', 'a telnet connection has exactly one shell');
    }
    const s = new MemoryShell(this.device.newSession());
    this.shells.push(s);
    return s;
  }

  async exec(command: string, timeoutMs: number): Promise<ExecResult> {
    if (this.isClosed) throw new NetkeepError('connection_reset', 'the in-memory connection is closed');
    if (this.protocol !== 'ssh') throw new NetkeepError('config_error', 'exec channels need SSH');
    this.execSession ??= this.device.newSession();
    let actions: DeviceAction[];
    try {
      actions = this.execSession.exec(command);
    } catch (err) {
      throw new NetkeepError('protocol_error', `simulated device: ${(err as Error).message}`, undefined, { cause: err });
    }
    const out: Buffer[] = [];
    const deadline = Date.now() + timeoutMs;
    for (const a of actions) {
      if (a.kind === 'send') out.push(Buffer.from(a.data, 'latin1'));
      else if (a.kind === 'delay') {
        if (Date.now() + a.ms > deadline) {
          await new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now())));
          throw new NetkeepError('timeout', `exec "${command}" gave no answer within ${timeoutMs} ms; raise the idle timeout or check the device`);
        }
        await new Promise((r) => setTimeout(r, a.ms));
      } else if (a.kind === 'close') {
        throw new NetkeepError('connection_reset', `the device closed the connection during exec "${command}"`);
      } else {
        await new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now())));
        throw new NetkeepError('timeout', `exec "${command}" gave no answer within ${timeoutMs} ms; raise the idle timeout or check the device`);
      }
    }
    await tick();
    return { stdout: Buffer.concat(out), stderr: Buffer.alloc(0), code: 0 };
  }

  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    for (const s of this.shells) s.close();
  }
}

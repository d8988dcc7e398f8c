// The half of a ShellChannel every transport shares: output that arrives before the engine
// listens is kept and delivered on the next microtask, and the close is reported exactly once,
// whenever the close listener is registered.
import type { ShellChannel } from './types.ts';

export abstract class BufferedShell implements ShellChannel {
  private dataListener: ((chunk: Buffer) => void) | undefined;
  private pending: Buffer[] = [];
  private closeListener: ((err?: Error) => void) | undefined;
  private closeResult: { err?: Error } | undefined;
  closed = false;

  abstract write(data: string | Buffer): void;

  /** Hand what the device sent to the engine, or keep it until the engine listens. */
  deliver(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.dataListener && this.pending.length === 0) this.dataListener(chunk);
    else this.pending.push(chunk);
  }

  /**
   * Output that arrived before a listener was registered (the greeting) is delivered on the
   * next microtask, never synchronously inside onData(): the engine is then already waiting.
   */
  onData(listener: (chunk: Buffer) => void): void {
    this.dataListener = listener;
    if (this.pending.length) {
      queueMicrotask(() => {
        const p = this.pending;
        this.pending = [];
        for (const c of p) this.dataListener?.(c);
      });
    }
  }

  onClose(listener: (err?: Error) => void): void {
    this.closeListener = listener;
    if (this.closeResult) {
      const r = this.closeResult;
      queueMicrotask(() => listener(r.err));
    }
  }

  /** The channel ended (err: why, when it failed); reported to the close listener once. */
  finish(err?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.closeResult = { err };
    this.closeListener?.(err);
  }
}

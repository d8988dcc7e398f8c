// The contract between transports (bytes, sockets, auth, deadlines) and the CLI session
// engine (prompts, paging, commands). A transport never knows a vendor.

export type CliProtocol = 'ssh' | 'telnet';

/** Deadlines, all in milliseconds. Settable per device and per group (device wins). */
export interface Timeouts {
  /** TCP connect + SSH handshake + authentication. */
  connectMs: number;
  /** Longest silence allowed while waiting for output of one command. */
  idleMs: number;
  /** Hard limit for the whole session, login to logout. */
  sessionMs: number;
}

export const DEFAULT_TIMEOUTS: Timeouts = { connectMs: 10_000, idleMs: 30_000, sessionMs: 300_000 };

/** Named SSH algorithm profiles. `modern` is the default; `legacy` allows old gear. */
export type AlgorithmProfile = 'modern' | 'compatible' | 'legacy';

export interface Credentials {
  username?: string;
  password?: string;
  /** PEM/OpenSSH private key text. */
  privateKey?: string;
  passphrase?: string;
  enablePassword?: string;
}

/** How to treat the SSH host key. */
export interface HostKeyPolicy {
  /** The pinned key ("<algo> <base64>"), or undefined on first use. */
  pinned?: string;
  /** Called on first use with the key seen, so the caller can store it. */
  onFirstUse?: (key: string) => void | Promise<void>;
  /** Accept anything and pin nothing (one-shot `netkeep fetch`, explicit only). */
  acceptAny?: boolean;
}

export interface ConnectOptions {
  host: string;
  port?: number;
  protocol: CliProtocol;
  credentials: Credentials;
  timeouts?: Partial<Timeouts>;
  algorithms?: AlgorithmProfile;
  hostKey?: HostKeyPolicy;
  /** Telnet login dialogue patterns (from the driver); defaults match most gear. */
  telnetLogin?: { username?: RegExp; password?: RegExp };
  /** Terminal size requested for the pty. */
  terminal?: { cols: number; rows: number; term?: string };
  signal?: AbortSignal;
}

/** An interactive shell: the engine writes commands and reads what the device prints. */
export interface ShellChannel {
  write(data: string | Buffer): void;
  /** Register the data listener (one). Chunks arrive as the device sent them. */
  onData(listener: (chunk: Buffer) => void): void;
  /** Called once when the channel or the connection ends, with the reason if it failed. */
  onClose(listener: (err?: Error) => void): void;
  readonly closed: boolean;
}

export interface ExecResult {
  stdout: Buffer;
  stderr: Buffer;
  code: number | null;
}

/** One authenticated connection to a device. `close()` is idempotent and frees every socket and timer. */
export interface Connection {
  readonly protocol: CliProtocol;
  /** The remote's SSH host key as "<algo> <base64>", when SSH. */
  readonly hostKey?: string;
  /** Open the interactive shell (pty). Telnet connections have exactly one. */
  shell(): Promise<ShellChannel>;
  /** Run one command on its own exec channel (SSH only). */
  exec?(command: string, timeoutMs: number): Promise<ExecResult>;
  /** Copy one file from the device (SCP over SSH). */
  download?(path: string, timeoutMs: number): Promise<Buffer>;
  close(): void;
}

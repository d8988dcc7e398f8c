// The contract between a simulated device's behaviour (recorded or synthetic) and the
// SSH/Telnet servers that host it. Device state is explicit so that pushes (restore)
// can change the running config later.

/** What the device does in answer to input. Servers carry these out in order. */
export type DeviceAction =
  | { kind: 'send'; data: string } // bytes to write (latin1 string, one char per byte)
  | { kind: 'delay'; ms: number } // wait before the next action
  | { kind: 'close' } // drop the connection (mid-output if placed there)
  | { kind: 'hang' }; // stop answering forever (until the client gives up)

/** One shell or exec conversation with a simulated device. Created per connection. */
export interface DeviceSession {
  /** Shell mode: what the device prints when the shell opens (banner, MOTD, first prompt). */
  greeting(): DeviceAction[];
  /**
   * Shell mode: the client wrote `data` (latin1). The session buffers partial input itself
   * and answers once a whole key/line is in. Throwing a SimError ends the session with an error.
   */
  input(data: string): DeviceAction[];
  /** Exec mode: the whole output of one command (no echo, no prompt). */
  exec(command: string): DeviceAction[];
  /** A file the device serves over SCP (`scp -f PATH`), latin1; undefined when it has none. */
  file?(path: string): string | undefined;
  /** A file written to the device over SCP (`scp -t PATH`), latin1. Returns an error text when the device refuses it. */
  putFile?(path: string, content: string): string | undefined;
  /** True when the last input was a logout/exit and the server should close after sending. */
  readonly finished: boolean;
}

/** Authentication the simulated device expects. Undefined fields accept anything. */
export interface SimAuth {
  username?: string;
  password?: string;
  /** OpenSSH public key line ("ssh-ed25519 AAAA..."), for key auth. */
  publicKey?: string;
  /** Offer keyboard-interactive instead of plain password. */
  keyboardInteractive?: boolean;
}

/** A device the simulator serves: how to authenticate and how to start a conversation. */
export interface SimDevice {
  name: string;
  auth: SimAuth;
  /** Whether this device's commands run over SSH exec channels (junos, routeros...). */
  execMode?: boolean;
  newSession(): DeviceSession;
}

export class SimError extends Error {
  override name = 'SimError';
}

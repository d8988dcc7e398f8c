// connect(opts): the one entry point of the transports room. Picks SSH or Telnet.
import { NetkeepError } from '../errors.ts';
import { connectSsh } from './ssh.ts';
import { connectTelnet } from './telnet.ts';
import type { Connection, ConnectOptions } from './types.ts';

export type * from './types.ts';
export { DEFAULT_TIMEOUTS } from './types.ts';
export { algorithmsFor } from './algorithms.ts';
export { resolveTimeouts, hostKeyString, sameHostKey } from './ssh.ts';

/** Open an authenticated connection. Always rejects with a classified NetkeepError. */
export async function connect(opts: ConnectOptions): Promise<Connection> {
  switch (opts.protocol) {
    case 'ssh':
      return connectSsh(opts);
    case 'telnet':
      return connectTelnet(opts);
    default:
      throw new NetkeepError('config_error', `unknown CLI protocol '${String((opts as { protocol?: unknown }).protocol)}'; use ssh or telnet`);
  }
}

// The failure classes every room reports: one stable class per way a backup can fail,
// each with a message that tells the operator what to do next.

export const FAILURE_CLASSES = [
  'connect_refused', // TCP RST / ECONNREFUSED
  'timeout', // connect, idle or whole-session deadline passed
  'connection_reset', // peer dropped the connection mid-session
  'dns', // the name does not resolve
  'unreachable', // EHOSTUNREACH / ENETUNREACH
  'auth_failed', // username/password/key refused
  'host_key_changed', // pinned SSH host key differs
  'unexpected_prompt', // never reached a prompt the driver knows
  'command_rejected', // the device refused a command (% Invalid input, syntax error)
  'protocol_error', // garbage bytes, malformed frames, TLS/HTTP errors
  'unknown_driver', // no driver with that id or alias
  'config_error', // netkeep's own configuration is wrong (missing credentials, bad option)
  'storage_error', // the blob store could not write/verify
  'internal', // a bug in netkeep
] as const;

export type FailureClass = (typeof FAILURE_CLASSES)[number];

/** Classes that are worth retrying automatically (the device may answer next time). */
export const TRANSIENT_CLASSES: ReadonlySet<FailureClass> = new Set([
  'connect_refused',
  'timeout',
  'connection_reset',
  'dns',
  'unreachable',
  'protocol_error',
  'storage_error',
]);

/** Human label used in one-line CLI errors: "<label>: <message>". */
export const FAILURE_LABELS: Record<FailureClass, string> = {
  connect_refused: 'connect refused',
  timeout: 'timeout',
  connection_reset: 'connection reset',
  dns: 'name not resolved',
  unreachable: 'host unreachable',
  auth_failed: 'auth failed',
  host_key_changed: 'host key changed',
  unexpected_prompt: 'unexpected prompt',
  command_rejected: 'command rejected',
  protocol_error: 'protocol error',
  unknown_driver: 'unknown driver',
  config_error: 'configuration error',
  storage_error: 'storage error',
  internal: 'internal error',
};

/** A classified failure. `message` must say what happened and what to do about it. */
export class NetkeepError extends Error {
  readonly failureClass: FailureClass;
  readonly details: Record<string, unknown> | undefined;

  constructor(failureClass: FailureClass, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NetkeepError';
    this.failureClass = failureClass;
    this.details = details;
  }

  get transient(): boolean {
    return TRANSIENT_CLASSES.has(this.failureClass);
  }

  /** "auth failed: the device refused user 'backup'; check the credential profile" */
  toLine(): string {
    return `${FAILURE_LABELS[this.failureClass]}: ${this.message}`;
  }
}

/** Turn any thrown value into a NetkeepError, classifying Node socket errors. */
export function classify(err: unknown, context = ''): NetkeepError {
  if (err instanceof NetkeepError) return err;
  const e = err as NodeJS.ErrnoException & { level?: string };
  const where = context ? `${context}: ` : '';
  switch (e?.code) {
    case 'ECONNREFUSED':
      return new NetkeepError('connect_refused', `${where}connection refused; check the address, the port and that the service is enabled on the device`, undefined, { cause: err });
    case 'ETIMEDOUT':
      return new NetkeepError('timeout', `${where}connection timed out; check reachability and firewalls`, undefined, { cause: err });
    case 'ECONNRESET':
    case 'EPIPE':
      return new NetkeepError('connection_reset', `${where}the device closed the connection; check its session limits and ACLs`, undefined, { cause: err });
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new NetkeepError('dns', `${where}the name does not resolve; check the device address or DNS`, undefined, { cause: err });
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new NetkeepError('unreachable', `${where}no route to host; check routing to the management network`, undefined, { cause: err });
    case 'ENOSPC':
      return new NetkeepError('storage_error', `${where}no space left on the storage device; free space, nothing already stored was touched`, undefined, { cause: err });
  }
  if (e?.level === 'client-authentication') {
    return new NetkeepError('auth_failed', `${where}the device refused the credentials; check the username, password or key in the credential profile`, undefined, { cause: err });
  }
  const msg = e instanceof Error ? e.message : String(err);
  return new NetkeepError('internal', `${where}${msg}`, undefined, { cause: err });
}

/**
 * Bad input from a person, an API client or a file: the API answers it as a 4xx
 * application/problem+json with `code`; the CLI prints the message on one line and exits 2.
 */
export class InputError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, status = 400, details?: Record<string, unknown>) {
    super(message);
    this.name = 'InputError';
    this.code = code;
    this.status = status;
    this.details = details;
  }
}

export const notFound = (what: string, id: string) =>
  new InputError(`${what.replace(/ /g, '_')}_not_found`, `no ${what} with id or name "${id}"; list them to find the right one`, 404);

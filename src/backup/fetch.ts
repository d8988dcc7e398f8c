// fetchConfig: one device, one session: connect (SSH or Telnet), run the driver through the
// session engine, close. Returns the cleaned config and the facts; every failure is a
// classified NetkeepError.
import type { PackedConfig } from '../store/blobs.ts';
import { NetkeepError, classify } from '../errors.ts';
import { getDriver } from '../drivers/index.ts';
import type { Driver, Facts } from '../drivers/types.ts';
import { runSession } from '../session/index.ts';
import { connect } from '../transports/index.ts';
import { resolveTimeouts } from '../transports/ssh.ts';
import type { AlgorithmProfile, CliProtocol, Credentials, HostKeyPolicy, Timeouts } from '../transports/types.ts';

export interface FetchOptions {
  host: string;
  /** Default: 22 for SSH, 23 for Telnet. */
  port?: number;
  /** Default: the driver's preferred protocol. */
  protocol?: CliProtocol;
  /** Driver id or alias (or a driver object, for tests and the simulator's own platform). */
  driver: string | Driver;
  credentials: Credentials;
  timeouts?: Partial<Timeouts>;
  algorithms?: AlgorithmProfile;
  hostKey?: HostKeyPolicy;
  /** Driver options (Oxidized vars). */
  vars?: Record<string, unknown>;
  maskSecrets?: boolean;
  significantOnly?: boolean;
  terminal?: { cols: number; rows: number; term?: string };
  signal?: AbortSignal;
}

export interface FetchResult {
  config: string;
  facts: Facts;
  driver: string;
  protocol: CliProtocol;
  /** SSH host key seen ("<algo> <base64>"), to pin on first use. */
  hostKey?: string;
  durationMs: number;
  /** The config hashed and zstd-compressed by the fetch thread (fetch-pool.ts), for the store. */
  packed?: PackedConfig;
}

/**
 * The transport's deadlines are a backstop behind the engine's: the engine knows what it
 * waits for and names the failure better (unexpected prompt vs. silence), so the transport
 * gets the same limits plus this grace.
 */
const BACKSTOP_GRACE_MS = 1000;

export async function fetchConfig(o: FetchOptions): Promise<FetchResult> {
  const t0 = performance.now();
  const where = `${o.host}${o.port ? `:${o.port}` : ''}`;
  try {
    const driver = typeof o.driver === 'string' ? getDriver(o.driver) : o.driver;
    const protocol = o.protocol ?? driver.protocols[0] ?? 'ssh';
    if (!driver.protocols.includes(protocol)) {
      throw new NetkeepError('config_error', `${where}: driver ${driver.id} does not support ${protocol} (it supports ${driver.protocols.join(', ')}); change the device's protocol`);
    }
    if (driver.mode === 'exec' && protocol !== 'ssh') {
      throw new NetkeepError('config_error', `${where}: driver ${driver.id} runs commands over SSH exec channels; set the device's protocol to ssh`);
    }
    const timeouts = resolveTimeouts(o.timeouts);
    const conn = await connect({
      host: o.host,
      protocol,
      credentials: o.credentials,
      timeouts: {
        connectMs: timeouts.connectMs,
        idleMs: timeouts.idleMs + BACKSTOP_GRACE_MS,
        sessionMs: timeouts.sessionMs + BACKSTOP_GRACE_MS,
      },
      ...(o.port !== undefined ? { port: o.port } : {}),
      ...(o.algorithms ? { algorithms: o.algorithms } : {}),
      ...(o.hostKey ? { hostKey: o.hostKey } : {}),
      ...(o.terminal ? { terminal: o.terminal } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
      ...(driver.login?.username || driver.login?.password
        ? { telnetLogin: { ...(driver.login.username ? { username: driver.login.username } : {}), ...(driver.login.password ? { password: driver.login.password } : {}) } }
        : {}),
    });
    const hostKey = conn.hostKey;
    // runSession closes the connection, on success and on failure
    const r = await runSession(conn, {
      driver,
      credentials: o.credentials,
      timeouts,
      ...(o.vars ? { vars: o.vars } : {}),
      ...(o.maskSecrets !== undefined ? { maskSecrets: o.maskSecrets } : {}),
      ...(o.significantOnly !== undefined ? { significantOnly: o.significantOnly } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
      ...(conn.download ? { fetchFile: (path: string) => conn.download!(path, timeouts.idleMs) } : {}),
    });
    return {
      config: r.config,
      facts: r.facts,
      driver: driver.id,
      protocol,
      ...(hostKey ? { hostKey } : {}),
      durationMs: performance.now() - t0,
    };
  } catch (err) {
    throw classify(err, where);
  }
}

// The contract every non-CLI backup protocol (SNMP, NETCONF, REST/RESTCONF, SFTP/SCP) fulfils,
// so that `fetchConfig`, the backup runner and `netkeep fetch --protocol X` treat them alike.
import type { Facts } from '../drivers/types.ts';

export type FileProtocol = 'snmp' | 'netconf' | 'rest' | 'sftp';

/** TLS settings for HTTPS-based protocols: verification on unless the operator says otherwise. */
export interface TlsOptions {
  /** PEM CA bundle to trust for this device (self-signed gear). */
  ca?: string;
  /** Pinned certificate fingerprint, "sha256/AA:BB:…" or hex: accepted whatever the CA. */
  fingerprint?: string;
  /** Skip verification entirely. Shown as a warning by the API and the UI. */
  insecure?: boolean;
}

export interface ProtocolFetchOptions {
  host: string;
  port?: number;
  /** Username/password/key from the credential profile (NETCONF, SFTP, REST basic auth). */
  credentials: { username?: string; password?: string; privateKey?: string; passphrase?: string };
  /**
   * Protocol settings from the backup configuration's / device's options: SNMP version,
   * community, v3 user and keys, subtrees; NETCONF datastore and filter; REST flavour
   * (restconf, eapi, panos, fortios, junos, routeros), API key/token; SFTP paths.
   */
  options: Record<string, unknown>;
  /** Pinned SSH host key / trust-on-first-use, as for the CLI transports. */
  hostKey?: { pinned?: string; acceptAny?: boolean; onFirstUse?: (key: string) => void | Promise<void> };
  tls?: TlsOptions;
  /** Whole-fetch deadline and per-operation idle deadline, ms. */
  timeouts?: { connectMs?: number; idleMs?: number; sessionMs?: number };
  signal?: AbortSignal;
}

export interface ProtocolFetchResult {
  /** The stable, diffable text netkeep stores (sorted SNMP walk, canonical XML, pretty JSON, manifest + files). */
  config: string;
  facts: Facts;
  /** The protocol's own notion of what changes every poll (counters, uptime): lines to ignore for "significant". */
  volatile?: RegExp[];
  /** SSH host key seen (NETCONF, SFTP), to pin. */
  hostKey?: string;
  /** TLS certificate fingerprint seen (REST), for pinning on first use. */
  tlsFingerprint?: string;
  /** Set when the operator disabled TLS verification: the API and UI show a warning. */
  insecure?: boolean;
}

/** One protocol's fetcher. Errors are always classified NetkeepErrors. */
export type ProtocolFetcher = (opts: ProtocolFetchOptions) => Promise<ProtocolFetchResult>;

// `netkeep fetch HOST --model ID ...`: fetch one device's config once and print it.
// Exit 0 with the cleaned config on stdout; exit 1 with ONE line on stderr naming the
// failure class ("auth failed: ..."), never a stack trace.
import { parseArgs } from 'node:util';
import { NetkeepError, classify } from '../errors.ts';
import { fetchConfig } from '../backup/fetch.ts';
import { FILE_PROTOCOLS, isFileProtocol, protocolFetcher } from '../backup/protocols.ts';
import type { FileProtocol, TlsOptions } from '../backup/protocol-types.ts';
import type { AlgorithmProfile, CliProtocol } from '../transports/types.ts';

export const FETCH_HELP = `Usage: netkeep fetch HOST --model ID [options]
       netkeep fetch HOST --protocol snmp|netconf|rest|sftp [--opt KEY=VALUE]... [options]

Fetch the configuration of one device once and print it (cleaned by the driver).

Options:
  -m, --model ID            driver id or alias (see 'netkeep drivers'); required for ssh/telnet;
                            with --protocol rest, the API profile (restconf, eapi, panos,
                            fortios, junos-rest, routeros-rest)
  -p, --port N              TCP port (default: the protocol's)
      --protocol P          ssh | telnet (default: the driver's preferred one),
                            or snmp | netconf | rest | sftp
      --opt KEY=VALUE       protocol option, repeatable (docs/protocols/*.md), e.g.
                            --opt version=2c --opt community=public, --opt token=…,
                            --opt datastore=running, --opt paths=/etc/hosts,/etc/ssh/sshd_config;
                            a value that is JSON (number, list) is taken as JSON
      --ca FILE             HTTPS: trust this CA (PEM) for the device
      --fingerprint FP      HTTPS: accept the certificate with this SHA-256 fingerprint
      --insecure            HTTPS: do not verify the certificate (not recommended)
  -u, --username U          login user
      --password P          login password (or set NETKEEP_PASSWORD, which keeps it out of 'ps')
      --enable-password E   enable/privileged password (or NETKEEP_ENABLE_PASSWORD)
      --key FILE            SSH private key file (passphrase in NETKEEP_KEY_PASSPHRASE)
      --timeout S           connect and idle deadline in seconds (default 10 and 30);
                            the whole session is limited to 10 x S (default 300)
      --algorithms A        SSH algorithm profile: modern (default) | compatible | legacy
      --host-key KEY        expected SSH host key "<algo> <base64>"; without it the key
                            is not checked (one-shot use; scheduled backups pin keys)
      --var NAME=VALUE      driver option (Oxidized var), repeatable; true/false are booleans
  -h, --help                this help

Exit status: 0 on success, 1 on failure (one line on stderr: "<class>: <what to do>").
`;

function write(stream: NodeJS.WriteStream, text: string): Promise<void> {
  return new Promise((resolve) => {
    if (text.length === 0) return resolve();
    stream.write(text, () => resolve());
  });
}

function usageError(msg: string): NetkeepError {
  return new NetkeepError('config_error', `${msg}; see 'netkeep fetch --help'`);
}

export async function main(argv: string[]): Promise<number> {
  try {
    let parsed;
    try {
      parsed = parseArgs({
        args: argv,
        allowPositionals: true,
        strict: true,
        options: {
          model: { type: 'string', short: 'm' },
          port: { type: 'string', short: 'p' },
          protocol: { type: 'string' },
          username: { type: 'string', short: 'u' },
          password: { type: 'string' },
          'enable-password': { type: 'string' },
          key: { type: 'string' },
          timeout: { type: 'string' },
          algorithms: { type: 'string' },
          'host-key': { type: 'string' },
          var: { type: 'string', multiple: true },
          opt: { type: 'string', multiple: true },
          ca: { type: 'string' },
          fingerprint: { type: 'string' },
          insecure: { type: 'boolean' },
          help: { type: 'boolean', short: 'h' },
        },
      });
    } catch (err) {
      throw usageError((err as Error).message.replace(/\.$/, ''));
    }
    const { values: v, positionals } = parsed;
    if (v.help) {
      await write(process.stdout, FETCH_HELP);
      return 0;
    }
    if (positionals.length !== 1) throw usageError(positionals.length === 0 ? 'missing HOST' : `one HOST only, got ${positionals.join(' ')}`);
    if (v.protocol !== undefined && isFileProtocol(v.protocol)) return await fetchOtherProtocol(v.protocol, positionals[0]!, v);
    if (!v.model) throw usageError('missing --model (the driver id, see netkeep drivers)');
    const host = positionals[0];
    let port: number | undefined;
    if (v.port !== undefined) {
      port = Number(v.port);
      if (!Number.isInteger(port) || port < 1 || port > 65535) throw usageError(`--port must be 1-65535, got '${v.port}'`);
    }
    let protocol: CliProtocol | undefined;
    if (v.protocol !== undefined) {
      if (v.protocol !== 'ssh' && v.protocol !== 'telnet') throw usageError(`--protocol must be ssh, telnet, ${FILE_PROTOCOLS.join(', ')}; got '${v.protocol}'`);
      protocol = v.protocol;
    }
    let algorithms: AlgorithmProfile | undefined;
    if (v.algorithms !== undefined) {
      if (!['modern', 'compatible', 'legacy'].includes(v.algorithms)) throw usageError(`--algorithms must be modern, compatible or legacy, got '${v.algorithms}'`);
      algorithms = v.algorithms as AlgorithmProfile;
    }
    let timeouts: { connectMs: number; idleMs: number; sessionMs: number } | undefined;
    if (v.timeout !== undefined) {
      const s = Number(v.timeout);
      if (!Number.isFinite(s) || s <= 0) throw usageError(`--timeout must be a positive number of seconds, got '${v.timeout}'`);
      timeouts = { connectMs: s * 1000, idleMs: s * 1000, sessionMs: s * 10_000 };
    }
    const vars: Record<string, unknown> = {};
    for (const kv of v.var ?? []) {
      const eq = kv.indexOf('=');
      if (eq <= 0) throw usageError(`--var needs NAME=VALUE, got '${kv}'`);
      const val = kv.slice(eq + 1);
      vars[kv.slice(0, eq)] = val === 'true' ? true : val === 'false' ? false : val;
    }
    let privateKey: string | undefined;
    if (v.key !== undefined) {
      const { readFile } = await import('node:fs/promises');
      try {
        privateKey = await readFile(v.key, 'utf8');
      } catch (err) {
        throw usageError(`cannot read the key file ${v.key} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
      }
    }
    const password = v.password ?? process.env.NETKEEP_PASSWORD;
    const enablePassword = v['enable-password'] ?? process.env.NETKEEP_ENABLE_PASSWORD;
    const passphrase = process.env.NETKEEP_KEY_PASSPHRASE;
    const r = await fetchConfig({
      host,
      driver: v.model,
      credentials: {
        ...(v.username !== undefined ? { username: v.username } : {}),
        ...(password !== undefined ? { password } : {}),
        ...(enablePassword !== undefined ? { enablePassword } : {}),
        ...(privateKey !== undefined ? { privateKey } : {}),
        ...(passphrase !== undefined ? { passphrase } : {}),
      },
      hostKey: v['host-key'] ? { pinned: v['host-key'] } : { acceptAny: true },
      ...(port !== undefined ? { port } : {}),
      ...(protocol ? { protocol } : {}),
      ...(algorithms ? { algorithms } : {}),
      ...(timeouts ? { timeouts } : {}),
      ...(Object.keys(vars).length ? { vars } : {}),
    });
    await write(process.stdout, r.config);
    return 0;
  } catch (err) {
    const ne = classify(err);
    await write(process.stderr, `${ne.toLine().replace(/\s*\n\s*/g, ' ')}\n`);
    return 1;
  }
}

type FetchValues = {
  model?: string;
  port?: string;
  username?: string;
  password?: string;
  key?: string;
  timeout?: string;
  'host-key'?: string;
  opt?: string[];
  ca?: string;
  fingerprint?: string;
  insecure?: boolean;
};

/** --opt KEY=VALUE: JSON values (numbers, lists, booleans) as JSON, "a,b" for list options, else text. */
function parseOpts(list: string[] | undefined): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const kv of list ?? []) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw usageError(`--opt needs KEY=VALUE, got '${kv}'`);
    const key = kv.slice(0, eq);
    const raw = kv.slice(eq + 1);
    let value: unknown = raw;
    try {
      if (/^(true|false|null|-?\d+(\.\d+)?|\[.*\]|\{.*\})$/s.test(raw)) value = JSON.parse(raw);
    } catch {
      throw usageError(`--opt ${key}: '${raw}' looks like JSON but is not valid JSON`);
    }
    if ((key === 'paths' || key === 'subtrees') && typeof value === 'string') value = value.split(',').filter(Boolean);
    options[key] = value;
  }
  return options;
}

/** `netkeep fetch HOST --protocol snmp|netconf|rest|sftp`: the same contract as the CLI drivers. */
async function fetchOtherProtocol(protocol: FileProtocol, host: string, v: FetchValues): Promise<number> {
  const options = parseOpts(v.opt);
  if (protocol === 'rest' && v.model && options.profile === undefined) options.profile = v.model;
  let port: number | undefined;
  if (v.port !== undefined) {
    port = Number(v.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw usageError(`--port must be 1-65535, got '${v.port}'`);
  }
  const tls: TlsOptions = {};
  if (v.ca !== undefined) {
    const { readFile } = await import('node:fs/promises');
    try {
      tls.ca = await readFile(v.ca, 'utf8');
    } catch (err) {
      throw usageError(`cannot read the CA file ${v.ca} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  }
  if (v.fingerprint) tls.fingerprint = v.fingerprint;
  if (v.insecure) tls.insecure = true;
  let privateKey: string | undefined;
  if (v.key !== undefined) {
    const { readFile } = await import('node:fs/promises');
    try {
      privateKey = await readFile(v.key, 'utf8');
    } catch (err) {
      throw usageError(`cannot read the key file ${v.key} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  }
  const password = v.password ?? process.env.NETKEEP_PASSWORD;
  const passphrase = process.env.NETKEEP_KEY_PASSPHRASE;
  let timeouts: { connectMs: number; idleMs: number; sessionMs: number } | undefined;
  if (v.timeout !== undefined) {
    const s = Number(v.timeout);
    if (!Number.isFinite(s) || s <= 0) throw usageError(`--timeout must be a positive number of seconds, got '${v.timeout}'`);
    timeouts = { connectMs: s * 1000, idleMs: s * 1000, sessionMs: s * 10_000 };
  }
  const fetcher = await protocolFetcher(protocol);
  const r = await fetcher({
    host,
    ...(port !== undefined ? { port } : {}),
    credentials: {
      ...(v.username !== undefined ? { username: v.username } : {}),
      ...(password !== undefined ? { password } : {}),
      ...(privateKey !== undefined ? { privateKey } : {}),
      ...(passphrase !== undefined ? { passphrase } : {}),
    },
    options,
    hostKey: v['host-key'] ? { pinned: v['host-key'] } : { acceptAny: true },
    tls,
    ...(timeouts ? { timeouts } : {}),
  });
  if (r.insecure) await write(process.stderr, 'netkeep: warning: the TLS certificate was not verified (--insecure); pin its fingerprint or give its CA instead\n');
  await write(process.stdout, r.config);
  return 0;
}

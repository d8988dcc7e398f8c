// SNMP transport (net-snmp): v2c and v3 sessions with promise-based get/set/walk, a deadline on
// every request and on the whole session, classified errors, and sockets that are always closed.
// Knows OIDs and PDUs, never vendors.
import snmp from 'net-snmp';
import { NetkeepError } from '../errors.ts';

export type SnmpVersion = '2c' | '3';
export type SnmpAuthProtocol = 'md5' | 'sha' | 'sha224' | 'sha256' | 'sha384' | 'sha512';
export type SnmpPrivProtocol = 'des' | 'aes' | 'aes256b' | 'aes256r';
export type SnmpLevel = 'noAuthNoPriv' | 'authNoPriv' | 'authPriv';

export interface SnmpSessionOptions {
  host: string;
  port?: number;
  version: SnmpVersion;
  community?: string;
  v3?: {
    user: string;
    level: SnmpLevel;
    authProtocol?: SnmpAuthProtocol;
    authKey?: string;
    privProtocol?: SnmpPrivProtocol;
    privKey?: string;
    context?: string;
  };
  /** Per-request timeout, ms (each retry waits this long again). */
  timeoutMs: number;
  retries: number;
  /** Whole-session deadline, ms from open. */
  sessionMs: number;
  /** Most varbinds one walk may return before netkeep gives up (protects against looping agents). */
  maxVarbinds?: number;
  /** GETBULK max-repetitions (default 25); lower it for agents that choke on big answers. */
  maxRepetitions?: number;
  signal?: AbortSignal;
}

/** A decoded varbind: `type` is net-snmp's ObjectType number. */
export interface SnmpVarbind {
  oid: string;
  type: number;
  value: unknown;
}

export const ObjectType = snmp.ObjectType as unknown as Record<string, number> & Record<number, string>;

export const AUTH_PROTOCOLS: Record<SnmpAuthProtocol, number> = {
  md5: snmp.AuthProtocols.md5,
  sha: snmp.AuthProtocols.sha,
  sha224: snmp.AuthProtocols.sha224,
  sha256: snmp.AuthProtocols.sha256,
  sha384: snmp.AuthProtocols.sha384,
  sha512: snmp.AuthProtocols.sha512,
};

export const PRIV_PROTOCOLS: Record<SnmpPrivProtocol, number> = {
  des: snmp.PrivProtocols.des,
  aes: snmp.PrivProtocols.aes,
  aes256b: snmp.PrivProtocols.aes256b,
  aes256r: snmp.PrivProtocols.aes256r,
};

/** Numeric OID comparison: -1, 0, 1. */
export function compareOids(a: string, b: string): number {
  const x = a.split('.');
  const y = b.split('.');
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const d = Number(x[i]) - Number(y[i]);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return x.length === y.length ? 0 : x.length < y.length ? -1 : 1;
}

export function oidInSubtree(base: string, oid: string): boolean {
  return oid === base || oid.startsWith(`${base}.`);
}

function isException(type: number): boolean {
  return type === snmp.ObjectType.NoSuchObject || type === snmp.ObjectType.NoSuchInstance || type === snmp.ObjectType.EndOfMibView;
}

export interface SnmpClient {
  readonly target: string;
  get(oids: string[]): Promise<SnmpVarbind[]>;
  set(varbinds: SnmpVarbind[]): Promise<SnmpVarbind[]>;
  /** All varbinds under `base` in OID order (GETBULK), bounded in count and by the deadlines. */
  walk(base: string): Promise<SnmpVarbind[]>;
  close(): void;
}

type Session = ReturnType<typeof snmp.createSession>;

export function openSnmpSession(o: SnmpSessionOptions): SnmpClient {
  const port = o.port ?? 161;
  const target = `${o.host}:${port}`;
  const transport = o.host.includes(':') ? 'udp6' : 'udp4';
  const common = { port, retries: o.retries, timeout: o.timeoutMs, transport, idBitsSize: 32 as const, backoff: 1 } as const;
  let session: Session;
  if (o.version === '3') {
    const v3 = o.v3;
    if (!v3) throw new NetkeepError('config_error', `${target}: SNMP v3 needs a user; set options.user`);
    const user: Record<string, unknown> = { name: v3.user, level: snmp.SecurityLevel[v3.level] };
    if (v3.level !== 'noAuthNoPriv') {
      user.authProtocol = AUTH_PROTOCOLS[v3.authProtocol ?? 'sha'];
      user.authKey = v3.authKey;
    }
    if (v3.level === 'authPriv') {
      user.privProtocol = PRIV_PROTOCOLS[v3.privProtocol ?? 'aes'];
      user.privKey = v3.privKey;
    }
    session = snmp.createV3Session(o.host, user as never, { ...common, version: snmp.Version3, ...(v3.context ? { context: v3.context } : {}) } as never);
  } else {
    session = snmp.createSession(o.host, o.community ?? 'public', { ...common, version: snmp.Version2c } as never);
  }

  // Undecodable datagrams: net-snmp emits 'error' on the session (an unhandled one would crash
  // the process). Remember them so a timeout after garbage is reported as a protocol error.
  let garbage: string | undefined;
  const onError = (err: unknown) => {
    garbage = (err as Error)?.message ?? String(err);
  };
  session.on('error', onError);

  let closed = false;
  const pending = new Set<(e: NetkeepError) => void>();
  const close = () => {
    if (closed) return;
    closed = true;
    clearTimeout(sessionTimer);
    o.signal?.removeEventListener('abort', onAbort);
    try {
      session.close();
    } catch {
      /* already closed */
    }
  };
  const failAll = (e: NetkeepError) => {
    for (const f of [...pending]) f(e);
    close();
  };
  const sessionTimer = setTimeout(
    () => failAll(new NetkeepError('timeout', `${target}: the SNMP session did not finish within ${o.sessionMs} ms; narrow the subtrees or raise the session timeout`)),
    o.sessionMs,
  );
  const onAbort = () => failAll(new NetkeepError('timeout', `${target}: the SNMP fetch was cancelled`));
  if (o.signal?.aborted) queueMicrotask(onAbort);
  o.signal?.addEventListener('abort', onAbort, { once: true });

  const timeoutError = (cause: unknown): NetkeepError => {
    if (garbage) {
      return new NetkeepError(
        'protocol_error',
        `${target}: the agent answered with data that is not valid SNMP (${garbage}); check that ${port}/udp is an SNMP agent and the SNMP version is right`,
        undefined,
        { cause },
      );
    }
    const total = o.timeoutMs * (o.retries + 1);
    if (o.version === '3') {
      return new NetkeepError(
        'timeout',
        `${target}: no SNMPv3 answer within ${total} ms (${o.retries + 1} tries); check that the agent runs, that SNMP is allowed from this address (ACL) and the v3 user and keys`,
        undefined,
        { cause },
      );
    }
    return new NetkeepError(
      'timeout',
      `${target}: no SNMP answer within ${total} ms (${o.retries + 1} tries): wrong community or SNMP not allowed from this address; check the community, the agent's ACL/view and that the agent runs`,
      undefined,
      { cause },
    );
  };

  const classifyErr = (err: unknown, what: string): NetkeepError => {
    if (err instanceof NetkeepError) return err;
    const e = err as Error & { code?: number | string; status?: number; name?: string };
    if (e?.name === 'RequestTimedOutError') return timeoutError(err);
    if (e?.name === 'ResponseInvalidError') {
      if (e.code === snmp.ResponseInvalidCode.EAuthFailure || e.code === snmp.ResponseInvalidCode.ECouldNotDecrypt) {
        const usm = e.message;
        const hint = /Unknown User/i.test(usm)
          ? 'the agent does not know this v3 user; check the user name'
          : /Wrong Digest|Authentication digest/i.test(usm)
            ? 'the authentication key or protocol is wrong; check authKey and authProtocol'
            : /Decrypt/i.test(usm)
              ? 'the privacy key or protocol is wrong; check privKey and privProtocol'
              : /Security Level/i.test(usm)
                ? 'the agent does not allow this security level for the user; check level'
                : 'check the v3 user, keys and protocols';
        return new NetkeepError('auth_failed', `${target}: SNMPv3 authentication failed (${usm}): ${hint}`, undefined, { cause: err });
      }
      if (e.code === snmp.ResponseInvalidCode.ECommunityNoMatch) {
        return new NetkeepError('protocol_error', `${target}: the agent answered with another community than asked; check for a proxy or a broken agent`, undefined, { cause: err });
      }
      return new NetkeepError('protocol_error', `${target}: the agent's answer to ${what} is invalid (${e.message}); check the agent's firmware or the SNMP version`, undefined, { cause: err });
    }
    if (e?.name === 'RequestFailedError') {
      return new NetkeepError('command_rejected', `${target}: the agent refused ${what} (${e.message}); check the SNMP view and write access for this community/user`, { status: e.status }, { cause: err });
    }
    const code = typeof e?.code === 'string' ? e.code : undefined;
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new NetkeepError('dns', `${target}: the name does not resolve; check the device address or DNS`, undefined, { cause: err });
    if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return new NetkeepError('unreachable', `${target}: no route to host; check routing to the management network`, undefined, { cause: err });
    if (e?.message === 'Socket forcibly closed') return new NetkeepError('timeout', `${target}: the SNMP session was closed before ${what} finished`, undefined, { cause: err });
    return new NetkeepError('protocol_error', `${target}: ${what} failed: ${e?.message ?? String(err)}`, undefined, { cause: err });
  };

  /** Run one request; resolves or rejects exactly once, also when the session deadline hits. */
  const call = <T>(what: string, start: (cb: (err: unknown, res?: T) => void) => void): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (closed) {
        reject(new NetkeepError('internal', `${target}: SNMP session already closed (${what})`));
        return;
      }
      let settled = false;
      const fail = (e: NetkeepError) => {
        if (settled) return;
        settled = true;
        pending.delete(fail);
        reject(e);
      };
      pending.add(fail);
      try {
        start((err, res) => {
          if (settled) return;
          if (err) return fail(classifyErr(err, what));
          settled = true;
          pending.delete(fail);
          resolve(res as T);
        });
      } catch (err) {
        fail(classifyErr(err, what));
      }
    });

  const toVarbind = (vb: { oid: string; type?: number; value?: unknown }): SnmpVarbind => ({ oid: vb.oid, type: vb.type ?? 0, value: vb.value });

  const checkVarbinds = (vbs: unknown, what: string): { oid: string; type?: number; value?: unknown }[] => {
    if (!Array.isArray(vbs)) throw new NetkeepError('protocol_error', `${target}: the agent's answer to ${what} has no varbind list; check the agent`);
    for (const vb of vbs) {
      if (!vb || typeof vb.oid !== 'string' || !/^\d+(\.\d+)*$/.test(vb.oid)) {
        throw new NetkeepError('protocol_error', `${target}: the agent's answer to ${what} has a malformed OID; check the agent`);
      }
    }
    return vbs;
  };

  const maxVarbinds = o.maxVarbinds ?? 200_000;

  return {
    target,
    async get(oids) {
      const vbs = await call<unknown>(`GET ${oids.join(' ')}`, (cb) => session.get(oids, cb as never));
      return checkVarbinds(vbs, 'GET').map(toVarbind);
    },
    async set(varbinds) {
      const vbs = await call<unknown>(`SET ${varbinds.map((v) => v.oid).join(' ')}`, (cb) => session.set(varbinds as never, cb as never));
      const list = checkVarbinds(vbs, 'SET');
      for (const vb of list) {
        if (isException(vb.type ?? 0)) {
          throw new NetkeepError('command_rejected', `${target}: the agent does not have ${vb.oid} (${ObjectType[vb.type ?? 0]}); check that the device supports this MIB`);
        }
      }
      return list.map(toVarbind);
    },
    async walk(base) {
      const out: SnmpVarbind[] = [];
      let current = base;
      for (;;) {
        const res = await call<unknown>(`GETBULK ${current}`, (cb) => session.getBulk([current], 0, o.maxRepetitions ?? 25, cb as never));
        if (!Array.isArray(res)) throw new NetkeepError('protocol_error', `${target}: the agent's answer to GETBULK has no varbind list; check the agent`);
        const row = res[0];
        if (row === undefined) return out;
        const list = checkVarbinds(Array.isArray(row) ? row : [row], 'GETBULK');
        if (list.length === 0) return out;
        for (const vb of list) {
          const type = vb.type ?? 0;
          // endOfMibView ends the walk; some agents (net-snmp's own agent among them) answer a
          // GETBULK past their last object with noSuchObject/noSuchInstance: the same meaning
          if (isException(type)) return out;
          if (!oidInSubtree(base, vb.oid)) return out;
          if (compareOids(vb.oid, current) <= 0) {
            throw new NetkeepError('protocol_error', `${target}: the agent returned OIDs out of order (${vb.oid} after ${current}); its SNMP implementation is broken, walk fewer subtrees or use another protocol`);
          }
          current = vb.oid;
          out.push(toVarbind(vb));
          if (out.length > maxVarbinds) {
            throw new NetkeepError('protocol_error', `${target}: more than ${maxVarbinds} values under ${base}; walk narrower subtrees`);
          }
        }
      }
    },
    close,
  };
}

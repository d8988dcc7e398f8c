// NETCONF backups: get-config of one datastore (running, startup or candidate), with an
// optional subtree or XPath filter, stored as canonical pretty-printed XML inside
// <config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"> so it can be pushed back as it is.
// And the way back (pushNetconf): edit-config/copy-config to the candidate, validate,
// commit (confirmed-commit where supported), or to running on servers without a candidate.
import { NetkeepError, classify } from '../errors.ts';
import { CAP, DATASTORES, NETCONF_BASE_NS, openNetconf } from '../transports/netconf.ts';
import type { Datastore, NetconfFilter, NetconfSession } from '../transports/netconf.ts';
import { canonicalXml, childElements, parseXml, serializeXml } from '../transports/xml.ts';
import type { XmlElement } from '../transports/xml.ts';
import type { ProtocolFetchOptions, ProtocolFetcher } from './protocol-types.ts';

export interface NetconfOptions {
  datastore: Datastore;
  filter: NetconfFilter | undefined;
}

/**
 * Options: `datastore` running|startup|candidate (default running); `filter`: subtree XML
 * (text starting with '<') or an XPath expression (needs :xpath), or
 * `{ type: 'subtree', xml }` / `{ type: 'xpath', select }`.
 */
export function netconfOptions(options: Record<string, unknown>, where: string): NetconfOptions {
  const ds = options.datastore ?? 'running';
  if (typeof ds !== 'string' || !(DATASTORES as readonly string[]).includes(ds)) {
    throw new NetkeepError('config_error', `${where}: option datastore must be running, startup or candidate, got ${JSON.stringify(ds)}`);
  }
  return { datastore: ds as Datastore, filter: parseFilter(options.filter, where) };
}

function parseFilter(f: unknown, where: string): NetconfFilter | undefined {
  if (f === undefined || f === null || f === '') return undefined;
  const subtree = (xml: string): NetconfFilter => {
    try {
      parseXml(`<filter xmlns="${NETCONF_BASE_NS}">${xml}</filter>`);
    } catch (err) {
      throw new NetkeepError('config_error', `${where}: option filter is not well-formed XML (${(err as Error).message})`);
    }
    return { type: 'subtree', xml };
  };
  if (typeof f === 'string') return f.trim().startsWith('<') ? subtree(f.trim()) : { type: 'xpath', select: f.trim() };
  if (typeof f === 'object') {
    const o = f as Record<string, unknown>;
    if (o.type === 'subtree' && typeof o.xml === 'string') return subtree(o.xml);
    if (o.type === 'xpath' && typeof o.select === 'string' && o.select.trim()) {
      const ns = o.namespaces;
      if (ns !== undefined && (typeof ns !== 'object' || ns === null || !Object.entries(ns).every(([k, v]) => /^[A-Za-z_][\w.-]*$/.test(k) && typeof v === 'string' && v !== ''))) {
        throw new NetkeepError('config_error', `${where}: filter.namespaces must map prefixes to namespace URIs, e.g. {"if": "urn:ietf:params:xml:ns:yang:ietf-interfaces"}`);
      }
      return { type: 'xpath', select: o.select.trim(), ...(ns ? { namespaces: ns as Record<string, string> } : {}) };
    }
  }
  throw new NetkeepError('config_error', `${where}: option filter must be subtree XML, an XPath expression, {type:'subtree',xml} or {type:'xpath',select,namespaces}`);
}

function connectOptions(opts: Omit<ProtocolFetchOptions, 'options'>) {
  return {
    host: opts.host,
    ...(opts.port !== undefined ? { port: opts.port } : {}),
    credentials: opts.credentials,
    ...(opts.timeouts ? { timeouts: opts.timeouts } : {}),
    ...(opts.hostKey ? { hostKey: opts.hostKey } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  };
}

/** Canonical stored form of a <data> element: its children inside a NETCONF <config>. */
export function canonicalConfig(data: XmlElement | undefined): string {
  return canonicalXml(configOf(data));
}

/** A NETCONF <config> element holding the children of a <data> element. */
function configOf(data: XmlElement | undefined): XmlElement {
  const kids = data ? childElements(data) : [];
  const scope = new Map<string, string>([['', NETCONF_BASE_NS]]);
  return { type: 'element', name: 'config', prefix: undefined, local: 'config', ns: NETCONF_BASE_NS, attrs: [], nsDecls: new Map(), scope, children: kids };
}

const WHERE = (o: { host: string; port?: number | undefined }) => `${o.host}:${o.port ?? 830}`;

export const fetchNetconf: ProtocolFetcher = async (opts) => {
  const where = WHERE(opts);
  try {
    const o = netconfOptions(opts.options ?? {}, where);
    const s = await openNetconf(connectOptions(opts));
    try {
      const reply = await s.getConfig(o.datastore, o.filter);
      if (!reply.data) throw new NetkeepError('protocol_error', `${where}: the get-config reply has no <data> element`);
      const config = canonicalConfig(reply.data);
      return { config, facts: {}, ...(s.hostKey ? { hostKey: s.hostKey } : {}) };
    } finally {
      await s.close();
    }
  } catch (err) {
    throw classify(err, where);
  }
};

export interface PushNetconfOptions extends Omit<ProtocolFetchOptions, 'options'> {
  options?: Record<string, unknown>;
  /** The configuration: a stored backup (<config>…</config>) or bare top-level elements. */
  config: string;
  /** merge (edit-config, default) or replace (the whole datastore becomes `config`). */
  mode?: 'merge' | 'replace';
  /** Where to write: candidate (default when the server has one) or running. */
  target?: 'candidate' | 'running';
  /** Confirmed commit: the server rolls back unless confirmed within this many seconds. */
  confirmTimeoutS?: number;
  /** Also copy running to startup afterwards (servers with :startup). */
  copyToStartup?: boolean;
  /**
   * With a confirmed commit: called before the confirming commit (restore verifies the device
   * here). If it throws, the commit is not confirmed: cancel-commit where the server has
   * :confirmed-commit:1.1, else the session closes and the server rolls back (RFC 6241 §8.4).
   */
  beforeConfirm?: () => Promise<void>;
}

export interface PushNetconfResult {
  target: 'candidate' | 'running';
  validated: boolean;
  committed: boolean;
  confirmed: boolean;
  copiedToStartup: boolean;
  /** A confirmed commit that was cancelled because beforeConfirm failed. */
  cancelled?: boolean;
  hostKey?: string;
}

/** The <config> element to send: a stored backup as it is, or bare elements wrapped. */
function configElement(text: string, where: string): string {
  let root: XmlElement;
  const trimmed = text.trim();
  try {
    root = parseXml(trimmed);
    if (root.local === 'config') return serializeXml(root);
  } catch {
    // several top-level elements: wrap them
  }
  try {
    root = parseXml(`<config xmlns="${NETCONF_BASE_NS}">${trimmed.replace(/^<\?xml[^>]*\?>/, '')}</config>`);
  } catch (err) {
    throw new NetkeepError('config_error', `${where}: the configuration to push is not well-formed XML (${(err as Error).message})`);
  }
  return serializeXml(root);
}

/**
 * Push a configuration (restore). Candidate path: lock, discard-changes, edit-config, validate
 * (:validate), commit (confirmed when confirmTimeoutS is set and :confirmed-commit is there,
 * then a confirming commit once the session still works), unlock. Running path: lock,
 * edit-config with rollback-on-error where supported, unlock. Any rpc-error: discard, unlock,
 * and reject classified (command_rejected with the server's error-message).
 */
export async function pushNetconf(opts: PushNetconfOptions): Promise<PushNetconfResult> {
  const where = WHERE(opts);
  try {
    const config = configElement(opts.config, where);
    const mode = opts.mode ?? 'merge';
    if (mode !== 'merge' && mode !== 'replace') throw new NetkeepError('config_error', `${where}: push mode must be merge or replace`);
    const s = await openNetconf(connectOptions(opts));
    try {
      return await pushOn(s, config, mode, opts, where);
    } finally {
      await s.close();
    }
  } catch (err) {
    throw classify(err, where);
  }
}

async function pushOn(s: NetconfSession, config: string, mode: 'merge' | 'replace', opts: PushNetconfOptions, where: string): Promise<PushNetconfResult> {
  const hasCandidate = s.hasCapability(CAP.candidate);
  const target = opts.target ?? (hasCandidate ? 'candidate' : 'running');
  s.requireDatastore(target, 'write');
  const wantConfirm = opts.confirmTimeoutS !== undefined;
  if (wantConfirm) {
    if (target !== 'candidate') throw new NetkeepError('config_error', `${where}: a confirmed commit needs the candidate datastore; set target candidate or drop confirmTimeoutS`);
    if (!s.hasCapability(CAP.confirmedCommit10) && !s.hasCapability(CAP.confirmedCommit11)) {
      throw new NetkeepError('config_error', `${where}: the NETCONF server does not support confirmed commit (no :confirmed-commit capability); push without confirmTimeoutS, nothing was changed`);
    }
    if (!Number.isInteger(opts.confirmTimeoutS) || opts.confirmTimeoutS! < 1) throw new NetkeepError('config_error', `${where}: confirmTimeoutS must be a whole number of seconds ≥ 1`);
  }
  if (opts.copyToStartup && !s.hasCapability(CAP.startup)) {
    throw new NetkeepError('config_error', `${where}: the NETCONF server has no startup datastore (no :startup); push without copyToStartup, nothing was changed`);
  }
  const validate = s.hasCapability(CAP.validate10) || s.hasCapability(CAP.validate11);
  const result: PushNetconfResult = { target, validated: false, committed: false, confirmed: false, copiedToStartup: false, ...(s.hostKey ? { hostKey: s.hostKey } : {}) };
  const locked: string[] = [];
  let awaitingConfirm = false;
  try {
    // a candidate with someone's uncommitted changes cannot be locked (RFC 6241 §7.5): start clean
    if (target === 'candidate') await s.rpc('<discard-changes/>', 'discard-changes');
    await s.rpc(`<lock><target><${target}/></target></lock>`, `lock ${target}`);
    locked.push(target);
    const errorOption = target === 'running' && s.hasCapability(CAP.rollbackOnError) ? '<error-option>rollback-on-error</error-option>' : '';
    await s.rpc(`<edit-config><target><${target}/></target><default-operation>${mode}</default-operation>${errorOption}${config}</edit-config>`, `edit-config ${target}`);
    if (target === 'candidate') {
      if (validate) {
        // Validate what the candidate now holds, sent inline. `<validate><source><candidate/>`
        // is the textbook form, but yuma123 2.13 then commits nothing (the candidate's changes
        // are silently dropped); validating the same content inline is equivalent everywhere.
        const cand = await s.getConfig('candidate');
        await s.rpc(`<validate><source>${serializeXml(configOf(cand.data))}</source></validate>`, 'validate candidate');
        result.validated = true;
      }
      if (wantConfirm) {
        await s.rpc(`<commit><confirmed/><confirm-timeout>${opts.confirmTimeoutS}</confirm-timeout></commit>`, 'confirmed commit');
        awaitingConfirm = true;
        // the device still answers over this session after the change: confirm it
        await s.rpc(`<get-config><source><running/></source><filter type="subtree"><netkeep-probe xmlns="urn:netkeep:probe"/></filter></get-config>`, 'post-commit check');
        if (opts.beforeConfirm) await opts.beforeConfirm();
        await s.rpc('<commit/>', 'confirming commit');
        awaitingConfirm = false;
        result.confirmed = true;
      } else {
        await s.rpc('<commit/>', 'commit');
      }
      result.committed = true;
    }
    if (opts.copyToStartup) {
      await s.rpc('<copy-config><target><startup/></target><source><running/></source></copy-config>', 'copy-config running to startup');
      result.copiedToStartup = true;
    }
  } catch (err) {
    if (awaitingConfirm && s.hasCapability(CAP.confirmedCommit11)) {
      result.cancelled = await s.rpc('<cancel-commit/>', 'cancel-commit').then(
        () => true,
        () => false,
      );
    }
    if (target === 'candidate' && !result.committed) await s.rpc('<discard-changes/>', 'discard-changes').catch(() => {});
    throw err;
  } finally {
    for (const t of locked) await s.rpc(`<unlock><target><${t}/></target></unlock>`, `unlock ${t}`).catch(() => {});
  }
  return result;
}

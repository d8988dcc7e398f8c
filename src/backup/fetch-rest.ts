// REST/RESTCONF backups: runs a REST profile (src/drivers/rest/) over HTTPS
// (src/transports/https.ts). The option `profile` picks the vendor API: restconf, eapi, panos,
// fortios, junos-rest, routeros-rest. Every failure is a classified NetkeepError; an answer
// that is not what the API documents (an HTML login page, a 500, garbage, an empty config) is
// never returned as a success.
//
// Options (device / backup-configuration options):
//   profile       which REST profile (required; alias: flavour)
//   port          overrides the profile's default port (ProtocolFetchOptions.port wins)
//   token         bearer token (fortios), else the credential's password
//   tokenIn       'header' (default) or 'query'
//   apiKey        PAN-OS API key, else keygen with the credential's username/password
//   keyIn         'header' (default, X-PAN-KEY) or 'query' (key=)
//   servername    the name the certificate must carry when the device is addressed by IP
//   ...           profile options (format, root, path, content, scope, vdom, method, ...)
// Basic auth uses the credential profile's username/password.
import type { ProtocolFetchOptions, ProtocolFetchResult, ProtocolFetcher } from './protocol-types.ts';
import type { Facts } from '../drivers/types.ts';
import { NetkeepError } from '../errors.ts';
import { httpsRequest } from '../transports/https.ts';
import type { HttpsResponse } from '../transports/https.ts';
import { findRestProfile } from '../drivers/rest/index.ts';
import { canonicalJson, canonicalText } from '../drivers/rest/types.ts';
import type { Dyn, RestAnswer, RestCall, RestContext, RestFormat, RestProfile } from '../drivers/rest/types.ts';
import { canonicalXml, findFirst, parseXml, textOf } from '../drivers/rest/xml.ts';
import { RESTCONF_MEDIA, restconf, restconfDataPath } from '../drivers/rest/restconf.ts';

const FORMAT_NAME: Record<RestFormat, string> = { json: 'JSON', xml: 'XML', text: 'text' };
const DEFAULT_SESSION_MS = 120_000;
const FACTS_MS = 10_000;

const dyn = <T>(v: Dyn<T>, ctx: RestContext): T => (typeof v === 'function' ? (v as (c: RestContext) => T)(ctx) : v);

/** Marks errors built from an HTTP answer (as opposed to transport/TLS errors). */
const ANSWERED = Symbol('answered');
function answered(e: NetkeepError): NetkeepError {
  (e as unknown as Record<symbol, boolean>)[ANSWERED] = true;
  return e;
}
const isAnswered = (e: unknown) => e instanceof NetkeepError && (e as unknown as Record<symbol, boolean>)[ANSWERED] === true;

function looksHtml(contentType: string, text: string): boolean {
  return contentType === 'text/html' || contentType === 'application/xhtml+xml' || /^\s*(<!doctype html|<html[\s>])/i.test(text);
}

/** A short, single-line hint of what an error answer says (RESTCONF errors, JSON messages, XML msg). */
function errorHint(text: string, contentType: string): string {
  const t = text.trim();
  if (!t) return '';
  let hint = '';
  if (/json/.test(contentType) || /^[[{]/.test(t)) {
    try {
      const j = JSON.parse(t) as Record<string, unknown>;
      const errs = (j['ietf-restconf:errors'] as { error?: Array<Record<string, string>> } | undefined)?.error;
      if (errs?.length) hint = errs.map((e) => [e['error-tag'], e['error-message'], e['error-path']].filter(Boolean).join(': ')).join('; ');
      else {
        const e = j.error as Record<string, unknown> | string | undefined;
        hint = String((typeof e === 'object' ? e?.message : e) ?? j.message ?? j.msg ?? j.detail ?? '');
      }
    } catch {
      // not JSON after all
    }
  } else if (t.startsWith('<') && !looksHtml(contentType, t)) {
    try {
      const x = parseXml(t);
      hint = textOf(findFirst(x, 'error-message') ?? findFirst(x, 'msg') ?? findFirst(x, 'message') ?? x);
    } catch {
      // not XML after all
    }
  } else if (looksHtml(contentType, t)) {
    hint = /<title>([^<]*)<\/title>/i.exec(t)?.[1] ?? 'an HTML page';
  } else hint = t;
  hint = hint.replace(/\s+/g, ' ').trim();
  return hint.length > 200 ? hint.slice(0, 200) + '…' : hint;
}

interface Runner {
  run(call: RestCall, what: string, opts?: { noAuth?: boolean; deadline?: number }): Promise<RestAnswer>;
  readonly seen: { fingerprint?: string; insecure: boolean };
  readonly where: string;
}

function makeRunner(o: ProtocolFetchOptions, profile: RestProfile, ctx: RestContext, deadline: number): Runner {
  const port = o.port ?? (Number(o.options.port) || profile.defaultPort);
  const where = `${o.host}:${port}`;
  const seen: Runner['seen'] = { insecure: false };
  const authHeaders = (query: Record<string, string | undefined>): Record<string, string> => {
    const a = profile.auth;
    if (a.kind === 'basic') {
      if (!ctx.username) throw new NetkeepError('config_error', `${where}: ${profile.api} uses HTTP basic auth and the credential profile has no username; set one`);
      return { authorization: 'Basic ' + Buffer.from(`${ctx.username}:${ctx.password ?? ''}`).toString('base64') };
    }
    if (a.kind === 'bearer') {
      const token = typeof ctx.options.token === 'string' && ctx.options.token ? ctx.options.token : ctx.password;
      if (!token) throw new NetkeepError('config_error', `${where}: ${profile.api} needs an API token; set the option "token" (or the credential profile's password)`);
      if (ctx.options.tokenIn === 'query' && a.queryParam) {
        query[a.queryParam] = token;
        return {};
      }
      return { authorization: `Bearer ${token}` };
    }
    const key = ctx.state.apiKey as string;
    if (ctx.options.keyIn === 'query') {
      query.key = key;
      return {};
    }
    return { [a.header.toLowerCase()]: key };
  };

  const interpret = (res: HttpsResponse, expect: RestFormat, what: string): RestAnswer => {
    const text = res.body.toString('utf8');
    const s = res.status;
    const hint = errorHint(text, res.contentType);
    const said = hint ? ` (${hint})` : '';
    if (s === 401 || s === 403) {
      return fail(new NetkeepError('auth_failed', `${where}: ${what}: the device refused the ${authName(profile)} (HTTP ${s})${said}; check ${authWhere(profile)} and the user's API permissions`, { httpStatus: s }));
    }
    if (s >= 300 && s < 400) {
      return fail(new NetkeepError('protocol_error', `${where}: ${what}: the device redirects (HTTP ${s}) to ${res.headers.location ?? '(nowhere)'} instead of answering — is this the management API port, and is the API enabled?`, { httpStatus: s }));
    }
    if (s === 404 || s === 405) {
      return fail(new NetkeepError('config_error', `${where}: ${what}: the device has no such API resource (HTTP ${s})${said}; check the profile (${profile.id}), its path options and that ${profile.api} is enabled on the device`, { httpStatus: s }));
    }
    if (s >= 500) {
      return fail(new NetkeepError('protocol_error', `${where}: ${what}: the device answered HTTP ${s}${said}; its API service failed, netkeep retries later — check the device if it persists`, { httpStatus: s }));
    }
    if (s < 200 || s >= 300) {
      return fail(new NetkeepError('command_rejected', `${where}: ${what}: the device refused the request (HTTP ${s})${said}; check the profile options`, { httpStatus: s }));
    }
    if (looksHtml(res.contentType, text)) {
      return fail(new NetkeepError('protocol_error', `${where}: ${what}: expected ${FORMAT_NAME[expect]}, got an HTML page — is this the management API port?`, { httpStatus: s, contentType: res.contentType }));
    }
    const a: RestAnswer = { status: s, contentType: res.contentType, text };
    if (expect === 'json') {
      try {
        a.json = JSON.parse(text);
      } catch (err) {
        return fail(new NetkeepError('protocol_error', `${where}: ${what}: expected JSON, got ${res.contentType || 'an untyped answer'} that does not parse (${(err as Error).message}); is this the right API and port?`, { httpStatus: s }));
      }
    } else if (expect === 'xml') {
      try {
        a.xml = parseXml(text);
      } catch (err) {
        return fail(new NetkeepError('protocol_error', `${where}: ${what}: expected XML, got ${res.contentType || 'an untyped answer'} that does not parse (${(err as Error).message}); is this the right API and port?`, { httpStatus: s }));
      }
    }
    const inBand = profile.inBandError?.(a);
    if (inBand) return fail(new NetkeepError(inBand.failureClass, `${where}: ${what}: ${inBand.message}`, { httpStatus: s }));
    return a;
  };
  const fail = (e: NetkeepError): never => {
    throw answered(e);
  };

  const run: Runner['run'] = async (call, what, ro = {}) => {
    const query: Record<string, string | undefined> = { ...(call.query ? dyn(call.query, ctx) : {}) };
    const headers: Record<string, string> = { ...(call.headers ? dyn(call.headers, ctx) : {}) };
    if (!ro.noAuth) Object.assign(headers, authHeaders(query));
    const qs = new URLSearchParams(Object.entries(query).filter((e): e is [string, string] => e[1] !== undefined)).toString();
    const path = dyn(call.path, ctx) + (qs ? `?${qs}` : '');
    const expect = dyn(call.expect, ctx);
    const res = await httpsRequest({
      host: o.host,
      port,
      method: dyn(call.method, ctx),
      path,
      headers,
      body: call.body ? dyn(call.body, ctx) : undefined,
      tls: o.tls,
      servername: typeof o.options.servername === 'string' ? o.options.servername : undefined,
      timeouts: { connectMs: o.timeouts?.connectMs, idleMs: o.timeouts?.idleMs, totalMs: Math.max(0, (ro.deadline ?? deadline) - Date.now()) },
      deadline: ro.deadline ?? deadline,
      signal: o.signal,
    });
    seen.fingerprint ??= res.tlsFingerprint;
    seen.insecure ||= res.insecure;
    return interpret(res, expect, what);
  };
  return { run, seen, where };
}

const authName = (p: RestProfile) => (p.auth.kind === 'basic' ? 'username/password' : p.auth.kind === 'bearer' ? 'API token' : 'API key');
const authWhere = (p: RestProfile) =>
  p.auth.kind === 'basic' ? 'the credential profile' : p.auth.kind === 'bearer' ? 'the "token" option (or the credential password), its trusted hosts' : 'the "apiKey" option or the credential profile';

function contextOf(o: ProtocolFetchOptions): RestContext {
  return { options: o.options ?? {}, username: o.credentials?.username, password: o.credentials?.password, state: {} };
}

async function prepare(profile: RestProfile, r: Runner, ctx: RestContext, what: string): Promise<void> {
  const a = profile.auth;
  if (a.kind === 'apikey') {
    const given = typeof ctx.options.apiKey === 'string' && ctx.options.apiKey ? ctx.options.apiKey : undefined;
    if (given) ctx.state.apiKey = given;
    else if (a.keygen && ctx.username) {
      const ans = await r.run(a.keygen.call, 'keygen', { noAuth: true });
      const key = a.keygen.extract(ans, ctx);
      if (!key) throw new NetkeepError('auth_failed', `${r.where}: keygen returned no API key; check the credential profile or set the option "apiKey"`);
      ctx.state.apiKey = key;
    } else throw new NetkeepError('config_error', `${r.where}: ${profile.api} needs an API key; set the option "apiKey" or a username/password to generate one`);
  }
  for (const step of profile.setup ?? []) {
    if (step.when && !step.when(ctx)) continue;
    try {
      step.use(await r.run(step.call, `${what} (discovery)`, { noAuth: step.noAuth }), ctx);
    } catch (err) {
      // An optional step may find nothing useful (404, an unexpected page): go on with defaults.
      // Transport, TLS and auth failures stop the fetch: the next request would fail the same way.
      if (!step.optional || !isAnswered(err) || (err as NetkeepError).failureClass === 'auth_failed') throw err;
    }
  }
}

function canonicalize(text: string, format: RestFormat, profile: RestProfile, where: string): string {
  let t = text;
  if (profile.drop?.length) {
    t = t
      .replace(/\r\n?/g, '\n')
      .split('\n')
      .filter((l) => !profile.drop!.some((re) => re.test(l)))
      .join('\n');
  }
  try {
    if (format === 'json') return canonicalJson(JSON.parse(t));
    if (format === 'xml') return canonicalXml(t);
  } catch (err) {
    throw new NetkeepError('protocol_error', `${where}: the configuration is not valid ${FORMAT_NAME[format]} (${(err as Error).message}); the device's answer was cut or garbled — try again`);
  }
  return canonicalText(t);
}

function mergeFacts(into: Facts, add: Facts): void {
  for (const k of ['model', 'osVersion', 'serial'] as const) if (add[k]) into[k] = add[k];
}

export const fetchRest: ProtocolFetcher = async (o: ProtocolFetchOptions): Promise<ProtocolFetchResult> => {
  const profile = findRestProfile(o.options?.profile ?? o.options?.flavour);
  const ctx = contextOf(o);
  const deadline = Date.now() + (o.timeouts?.sessionMs ?? DEFAULT_SESSION_MS);
  const r = makeRunner(o, profile, ctx, deadline);
  await prepare(profile, r, ctx, 'config');

  const ans = await r.run(profile.config.call, 'config');
  let raw: string;
  try {
    raw = profile.config.extract(ans, ctx);
  } catch (err) {
    throw new NetkeepError('protocol_error', `${r.where}: the answer does not hold the configuration where ${profile.api} puts it (${(err as Error).message}); is this the right profile?`);
  }
  const config = canonicalize(raw, dyn(profile.config.canonical, ctx), profile, r.where);
  if (!config.trim()) {
    throw new NetkeepError('protocol_error', `${r.where}: the device returned an empty configuration; nothing stored — check the user's read permissions`);
  }

  const facts: Facts = {};
  mergeFacts(facts, profile.factsFromConfig?.(config) ?? {});
  for (const f of profile.facts ?? []) {
    try {
      mergeFacts(facts, f.extract(await r.run(f.call, 'facts', { deadline: Math.min(deadline, Date.now() + FACTS_MS) }), ctx));
    } catch {
      // facts are best effort: the config is what matters
    }
  }
  const out: ProtocolFetchResult = { config, facts };
  if (profile.volatile?.length) out.volatile = profile.volatile;
  if (r.seen.fingerprint) out.tlsFingerprint = r.seen.fingerprint;
  if (r.seen.insecure) out.insecure = true;
  return out;
};

export interface RestconfPushOptions extends ProtocolFetchOptions {
  /** The config to put: the canonical text a RESTCONF backup stored. */
  config: string;
}

export interface RestconfPushResult {
  status: number;
  tlsFingerprint?: string;
  insecure?: boolean;
}

/**
 * Restore: RESTCONF PUT of a stored config on the data resource it came from ({root}/data[/path]),
 * replacing it (RFC 8040 §4.5). The media type follows options.format, else the text itself.
 */
export async function pushRestconf(o: RestconfPushOptions): Promise<RestconfPushResult> {
  const sniffed = o.config.trimStart().startsWith('<') ? 'xml' : 'json';
  const format = o.options?.format === 'xml' || o.options?.format === 'json' ? (o.options.format as 'xml' | 'json') : sniffed;
  try {
    if (format === 'json') JSON.parse(o.config);
    else parseXml(o.config);
  } catch (err) {
    throw new NetkeepError('config_error', `the config to push is not valid ${FORMAT_NAME[format]} (${(err as Error).message}); push a version a RESTCONF ${format} backup stored`);
  }
  const options = { ...o.options, profile: 'restconf', format };
  const ctx: RestContext = { ...contextOf(o), options };
  const deadline = Date.now() + (o.timeouts?.sessionMs ?? DEFAULT_SESSION_MS);
  const r = makeRunner({ ...o, options }, restconf, ctx, deadline);
  await prepare(restconf, r, ctx, 'push');
  const ans = await r.run(
    { method: 'PUT', path: restconfDataPath, headers: { 'content-type': RESTCONF_MEDIA[format], accept: RESTCONF_MEDIA[format] }, body: o.config, expect: 'text' },
    'push',
  );
  const out: RestconfPushResult = { status: ans.status };
  if (r.seen.fingerprint) out.tlsFingerprint = r.seen.fingerprint;
  if (r.seen.insecure) out.insecure = true;
  return out;
}

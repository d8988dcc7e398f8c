// The NetBox source: reads /api/dcim/devices/ page by page (limit/offset) with an API token,
// keeps devices with a primary IP, a platform and an accepted status (active by default), and
// maps platform slug → driver, primary IP → address (prefix length stripped), site/tags → group.
import { InputError, NetkeepError, classify } from '../../errors.ts';
import { findDriver } from '../../drivers/index.ts';
import { httpsRequest } from '../../transports/https.ts';
import type { TlsOptions } from '../../backup/protocol-types.ts';
import { checkDriverMap, checkDuplicates, checkRecord, type ParsedSource } from './types.ts';

/** Common NetBox platform slugs → netkeep drivers (any slug that is a driver id or alias works too). */
export const NETBOX_PLATFORMS: Record<string, string> = {
  'cisco-ios': 'ios',
  'cisco-ios-xe': 'ios',
  'cisco-iosxe': 'ios',
  'ios-xe': 'ios',
  'cisco-nx-os': 'nxos',
  'cisco-nxos': 'nxos',
  'cisco-ios-xr': 'iosxr',
  'cisco-iosxr': 'iosxr',
  'cisco-asa': 'asa',
  'cisco-aireos': 'aireos',
  'juniper-junos': 'junos',
  'arista-eos': 'eos',
  'mikrotik-routeros': 'routeros',
  'fortinet-fortios': 'fortios',
  fortigate: 'fortigate',
  'paloalto-panos': 'panos',
  'palo-alto-panos': 'panos',
  'hpe-procurve': 'procurve',
  'aruba-os-switch': 'procurve',
  'aruba-aos-cx': 'aoscx',
  'aruba-aoscx': 'aoscx',
  'aruba-os': 'aosw',
  'hpe-comware': 'comware',
  'huawei-vrp': 'vrp',
  'nokia-sros': 'sros',
  'nokia-sr-os': 'sros',
  'extreme-exos': 'xos',
  'extreme-voss': 'voss',
  'dell-os10': 'os10',
  'dell-os9': 'ftos',
  'cumulus-linux': 'cumulus',
  'nvidia-cumulus': 'cumulus',
  'ubiquiti-edgeos': 'edgeos',
  'vyos': 'vyos',
  'f5-tmos': 'tmos',
  'checkpoint-gaia': 'gaiaos',
  linux: 'linuxgeneric',
};

export interface NetboxConfig {
  /** Base URL of NetBox, e.g. https://netbox.example.net (the API is under /api/). */
  url: string;
  /** Device statuses to take (default ["active"]). */
  statuses?: string[];
  /** Platform slug → netkeep driver, checked before the built-in table. */
  platform_map?: Record<string, string>;
  /** Where the device group comes from: the site (default), a tag with `group_tag_prefix`, or nothing. */
  group_from?: 'site' | 'tag' | 'none';
  /** With group_from "tag": the tag slug prefix that names the group (default "netkeep-group-"). */
  group_tag_prefix?: string;
  /** Extra NetBox filters added to the query, e.g. "role=router&tenant=ops". */
  filter?: string;
  /** Page size (1–1000, default 200). */
  page_size?: number;
  /** TLS: a CA to trust, a pinned certificate fingerprint, or (not recommended) insecure. */
  tls?: TlsOptions;
  /** Deadline of each request in ms (default 30000). */
  timeout_ms?: number;
}

const GROUP_FROM = ['site', 'tag', 'none'] as const;

export function checkNetboxConfig(cfg: unknown): NetboxConfig {
  const c = (cfg ?? {}) as Record<string, unknown>;
  const bad = (m: string) => new InputError('invalid_source_config', m, 400);
  if (typeof c.url !== 'string') throw bad('a NetBox source needs "url", e.g. https://netbox.example.net');
  let u: URL;
  try {
    u = new URL(c.url);
  } catch {
    throw bad(`"${c.url}" is not a URL; give NetBox's base URL, e.g. https://netbox.example.net`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw bad(`NetBox URL "${c.url}" must start with https:// (or http:// on a trusted network)`);
  const out: NetboxConfig = { url: c.url.replace(/\/+$/, '').replace(/\/api$/, '') };
  if (c.statuses !== undefined) {
    if (!Array.isArray(c.statuses) || !c.statuses.length || c.statuses.some((s) => typeof s !== 'string' || !/^[a-z_-]{1,50}$/.test(s))) throw bad('statuses is a list of NetBox status values, e.g. ["active", "staged"]');
    out.statuses = c.statuses as string[];
  }
  if (c.platform_map !== undefined) out.platform_map = checkDriverMap('platform_map', c.platform_map);
  if (c.group_from !== undefined) {
    if (!GROUP_FROM.includes(c.group_from as never)) throw bad(`group_from is one of ${GROUP_FROM.join(', ')}`);
    out.group_from = c.group_from as NetboxConfig['group_from'];
  }
  if (c.group_tag_prefix !== undefined) {
    if (typeof c.group_tag_prefix !== 'string' || !c.group_tag_prefix) throw bad('group_tag_prefix is a tag slug prefix such as "netkeep-group-"');
    out.group_tag_prefix = c.group_tag_prefix;
  }
  if (c.filter !== undefined) {
    if (typeof c.filter !== 'string' || /[\s#]/.test(c.filter) || /(^|&)(limit|offset)=/.test(c.filter)) throw bad('filter is a NetBox query string without limit/offset, e.g. "role=router&site=ams1"');
    out.filter = c.filter.replace(/^\?/, '');
  }
  if (c.page_size !== undefined) {
    if (typeof c.page_size !== 'number' || !Number.isInteger(c.page_size) || c.page_size < 1 || c.page_size > 1000) throw bad('page_size is a number from 1 to 1000');
    out.page_size = c.page_size;
  }
  if (c.tls !== undefined) {
    const t = c.tls as Record<string, unknown>;
    if (typeof t !== 'object' || t === null || Object.keys(t).some((k) => !['ca', 'fingerprint', 'insecure'].includes(k))) throw bad('tls is {"ca": "<PEM>"} or {"fingerprint": "sha256/AA:…"} or {"insecure": true}');
    if (t.ca !== undefined && (typeof t.ca !== 'string' || !t.ca.includes('BEGIN CERTIFICATE'))) throw bad('tls.ca is a PEM certificate (-----BEGIN CERTIFICATE-----)');
    if (t.fingerprint !== undefined && typeof t.fingerprint !== 'string') throw bad('tls.fingerprint is "sha256/AA:BB:…"');
    if (t.insecure !== undefined && typeof t.insecure !== 'boolean') throw bad('tls.insecure is true or false');
    out.tls = t as TlsOptions;
  }
  if (c.timeout_ms !== undefined) {
    if (typeof c.timeout_ms !== 'number' || c.timeout_ms < 1000 || c.timeout_ms > 600_000) throw bad('timeout_ms is from 1000 to 600000');
    out.timeout_ms = c.timeout_ms;
  }
  return out;
}

export function driverForPlatform(slug: string, map: Record<string, string> = {}): string | undefined {
  const s = slug.trim().toLowerCase();
  const mapped = map[s] ?? NETBOX_PLATFORMS[s];
  return findDriver(mapped ?? s)?.id;
}

/** The shape of the parts of a NetBox 4.x device this source reads. */
export interface NetboxDevice {
  id: number;
  name: string | null;
  status?: { value: string; label?: string } | null;
  platform?: { slug: string; name?: string } | null;
  site?: { slug: string; name: string } | null;
  primary_ip4?: { address: string } | null;
  primary_ip6?: { address: string } | null;
  tags?: { slug: string; name: string }[];
}

interface Page {
  count: number;
  next: string | null;
  results: NetboxDevice[];
}

async function getJson(cfg: NetboxConfig, token: string | undefined, path: string): Promise<unknown> {
  const base = new URL(cfg.url);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers.authorization = `Token ${token}`;
  const prefix = base.pathname.replace(/\/+$/, '');
  const where = `NetBox at ${cfg.url}`;
  let status: number;
  let body: string;
  let ctype: string;
  const timeout = cfg.timeout_ms ?? 30_000;
  if (base.protocol === 'https:') {
    const r = await httpsRequest({
      host: base.hostname.replace(/^\[|\]$/g, ''),
      port: Number(base.port || 443),
      method: 'GET',
      path: prefix + path,
      headers,
      tls: cfg.tls,
      timeouts: { totalMs: timeout },
      maxBytes: 256 * 1024 * 1024,
    });
    status = r.status;
    body = r.body.toString('utf8');
    ctype = r.contentType;
  } else {
    let r: Response;
    try {
      r = await fetch(new URL(prefix + path, base), { headers, signal: AbortSignal.timeout(timeout), redirect: 'manual' });
    } catch (err) {
      const c = classify(err, where);
      throw new NetkeepError(c.failureClass, `${c.message}; check the URL and that NetBox runs`, undefined, { cause: err });
    }
    status = r.status;
    body = await r.text();
    ctype = (r.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  }
  if (status === 401 || status === 403) {
    throw new NetkeepError('auth_failed', `${where} refused the API token (HTTP ${status}); create a read-only token in NetBox (Admin → API Tokens) with view permission on dcim devices and set it on the source`);
  }
  if (status !== 200) throw new NetkeepError('protocol_error', `${where} answered HTTP ${status} for ${path}; check the URL (it is NetBox's base URL, without /api) and NetBox's logs`);
  if (ctype !== 'application/json') throw new NetkeepError('protocol_error', `${where} did not answer JSON (content type "${ctype}") for ${path}; is the URL NetBox's base URL, not a login page?`);
  try {
    return JSON.parse(body);
  } catch {
    throw new NetkeepError('protocol_error', `${where} sent JSON that cannot be read for ${path}; check NetBox's logs`);
  }
}

/** Every device of the (filtered) device list, page by page. */
export async function fetchNetboxDevices(cfg: NetboxConfig, token: string | undefined): Promise<NetboxDevice[]> {
  const limit = cfg.page_size ?? 200;
  const all: NetboxDevice[] = [];
  for (let offset = 0, pages = 0; ; pages++) {
    if (pages > 100_000) throw new NetkeepError('protocol_error', `NetBox at ${cfg.url} keeps sending pages; stopping`);
    const q = `/api/dcim/devices/?limit=${limit}&offset=${offset}${cfg.filter ? `&${cfg.filter}` : ''}`;
    const p = (await getJson(cfg, token, q)) as Page;
    if (!p || typeof p !== 'object' || !Array.isArray(p.results) || typeof p.count !== 'number') {
      throw new NetkeepError('protocol_error', `NetBox at ${cfg.url} answered ${q} without "count" and "results"; is this NetBox's device list (NetBox 3.x/4.x)?`);
    }
    all.push(...p.results);
    offset += p.results.length;
    if (p.results.length === 0 || offset >= p.count || !p.next) break;
  }
  return all;
}

/** Turn NetBox devices into records; `line` is the device's position in the answer (1-based). */
export function netboxRecords(devices: NetboxDevice[], config: NetboxConfig): ParsedSource {
  const cfg = checkNetboxConfig(config);
  const statuses = cfg.statuses ?? ['active'];
  const prefix = cfg.group_tag_prefix ?? 'netkeep-group-';
  const out: ParsedSource = { records: [], errors: [], skipped: [] };
  devices.forEach((d, i) => {
    const line = i + 1;
    const label = `NetBox device ${d.id}${d.name ? ` "${d.name}"` : ''}`;
    const status = d.status?.value ?? 'active';
    if (!d.name) return out.skipped.push({ line, name: `#${d.id}`, reason: 'has no name in NetBox' });
    if (!statuses.includes(status)) return out.skipped.push({ line, name: d.name, reason: `status is "${status}" (taken: ${statuses.join(', ')})` });
    const ip = d.primary_ip4?.address ?? d.primary_ip6?.address;
    if (!ip) return out.skipped.push({ line, name: d.name, reason: 'has no primary IP address in NetBox' });
    if (!d.platform?.slug) return out.skipped.push({ line, name: d.name, reason: 'has no platform in NetBox' });
    const driver = driverForPlatform(d.platform.slug, cfg.platform_map);
    if (!driver) {
      out.errors.push({ line, message: `${label}: platform "${d.platform.slug}" has no netkeep driver; add it to the source's platform_map (e.g. {"${d.platform.slug}": "ios"}) or see \`netkeep drivers\`` });
      return;
    }
    const tags = (d.tags ?? []).map((t) => t.slug);
    let group: string | null = null;
    if ((cfg.group_from ?? 'site') === 'site') group = d.site?.name ?? null;
    else if (cfg.group_from === 'tag') group = tags.find((t) => t.startsWith(prefix))?.slice(prefix.length) || null;
    const errs: { line: number; message: string }[] = [];
    const rec = checkRecord(line, { key: String(d.id), name: d.name, address: ip.replace(/\/\d{1,3}$/, ''), driver, group, site: d.site?.name ?? null, tags }, errs);
    for (const e of errs) out.errors.push({ line, message: `${label}: ${e.message}` });
    if (rec) out.records.push(rec);
  });
  checkDuplicates(out);
  return out;
}

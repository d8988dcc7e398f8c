// RESTCONF server (RFC 8040) simulator: root discovery through /.well-known/host-meta (XRD),
// GET of {root}/data (whole datastore or one top-level subtree) in
// application/yang-data+json (RFC 7951) or +xml, the `content` query parameter, PUT of the
// datastore or a subtree (replaces it: 204, or 201 when created), basic auth, and RFC 8040
// error bodies (ietf-restconf:errors). Test knobs in its state: `rejects` (a PUT whose body
// matches is refused as a whole, 400 invalid-value with an error-path, nothing applied) and
// `ignores` (a leaf name a PUT accepts but does not keep). To show that netkeep's canonical form does not depend
// on the server's whims, every JSON answer lists object members in a new random order and is
// indented differently, and XML answers vary their whitespace.
import type { SimRequest, SimResponse, SimVendor, SimVendorContext } from './server.ts';

type Tree = Record<string, unknown>;

const NS_RESTCONF = 'urn:ietf:params:xml:ns:yang:ietf-restconf';
const nsOf = (mod: string) => (mod.startsWith('ietf-') || mod.startsWith('iana-') ? `urn:ietf:params:xml:ns:yang:${mod}` : `urn:example:yang:${mod}`);
const modOf = (ns: string) => ns.replace(/^urn:ietf:params:xml:ns:yang:|^urn:example:yang:/, '');

export function initialRestconfTree(): Tree {
  return {
    'ietf-system:system': {
      hostname: 'rc-edge1',
      contact: 'noc@example.net',
      ntp: { enabled: true, server: [{ name: 'ntp1', udp: { address: '192.0.2.123' } }, { name: 'ntp2', udp: { address: '192.0.2.124' } }] },
    },
    'ietf-interfaces:interfaces': {
      interface: [
        { name: 'GigabitEthernet1', description: 'uplink to core', type: 'iana-if-type:ethernetCsmacd', enabled: true, 'ietf-ip:ipv4': { address: [{ ip: '192.0.2.1', 'prefix-length': 24 }] } },
        { name: 'GigabitEthernet2', description: 'users & <guests>', type: 'iana-if-type:ethernetCsmacd', enabled: false },
      ],
    },
  };
}

function shuffle(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(shuffle);
  if (v && typeof v === 'object') {
    const keys = Object.keys(v).sort(() => Math.random() - 0.5);
    const o: Record<string, unknown> = {};
    for (const k of keys) o[k] = shuffle((v as Tree)[k]);
    return o;
  }
  return v;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function toXml(name: string, v: unknown, parentMod: string | undefined, nl: string, ind: string): string {
  const colon = name.indexOf(':');
  const mod = colon > 0 ? name.slice(0, colon) : parentMod;
  const local = colon > 0 ? name.slice(colon + 1) : name;
  const xmlns = mod && mod !== parentMod ? ` xmlns="${nsOf(mod)}"` : '';
  if (Array.isArray(v)) return v.map((x) => toXml(name, x, parentMod, nl, ind)).join('');
  if (v && typeof v === 'object') {
    const inner = Object.entries(v as Tree)
      .map(([k, c]) => toXml(k, c, mod, nl, ind + '  '))
      .join('');
    return `${ind}<${local}${xmlns}>${nl}${inner}${ind}</${local}>${nl}`;
  }
  return `${ind}<${local}${xmlns}>${esc(String(v))}</${local}>${nl}`;
}

function treeToXml(tree: Tree, pretty: boolean): string {
  const nl = pretty ? '\n' : '';
  const inner = Object.entries(tree)
    .map(([k, v]) => toXml(k, v, undefined, nl, pretty ? '  ' : ''))
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>${nl}<data xmlns="${NS_RESTCONF}">${nl}${inner}</data>${nl}`;
}

/** XML (as the sim parses it: elements, xmlns, text) to the JSON tree. */
function xmlToTree(src: string): Tree {
  const tokens = src.replace(/<\?[\s\S]*?\?>/g, '').match(/<[^>]+>|[^<]+/g) ?? [];
  type Node = { name: string; ns?: string; kids: Node[]; text: string };
  const root: Node = { name: '#', kids: [], text: '' };
  const stack: Node[] = [root];
  for (const t of tokens) {
    if (t.startsWith('</')) stack.pop();
    else if (t.startsWith('<')) {
      const m = /^<([\w:.-]+)([^>]*?)(\/?)>$/.exec(t);
      if (!m) throw new Error(`bad tag ${t}`);
      const ns = /xmlns="([^"]*)"/.exec(m[2])?.[1];
      const n: Node = { name: m[1], ns, kids: [], text: '' };
      stack[stack.length - 1].kids.push(n);
      if (!m[3]) stack.push(n);
    } else stack[stack.length - 1].text += t.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  }
  const conv = (n: Node, parentNs: string | undefined): [string, unknown] => {
    const ns = n.ns ?? parentNs;
    const key = n.ns && n.ns !== parentNs ? `${modOf(n.ns)}:${n.name}` : n.name;
    if (!n.kids.length) return [key, n.text.trim()];
    const o: Tree = {};
    for (const k of n.kids) {
      const [ck, cv] = conv(k, ns);
      if (ck in o) o[ck] = Array.isArray(o[ck]) ? [...(o[ck] as unknown[]), cv] : [o[ck], cv];
      else o[ck] = cv;
    }
    return [key, o];
  };
  const top = root.kids[0];
  if (!top) throw new Error('no root element');
  const [k, v] = conv(top, undefined);
  return { [k]: v };
}

function errors(status: number, tag: string, message: string, type = 'protocol', path?: string): SimResponse {
  return {
    status,
    headers: { 'content-type': 'application/yang-data+json', ...(status === 401 ? { 'www-authenticate': 'Basic realm="restconf"' } : {}) },
    body: JSON.stringify({ 'ietf-restconf:errors': { error: [{ 'error-type': type, 'error-tag': tag, 'error-message': message, ...(path ? { 'error-path': path } : {}) }] } }),
  };
}

/** State of the RESTCONF simulator; tests may set the knobs. */
export interface RestconfSimState {
  root: string;
  tree: Tree;
  counter: number;
  /** A PUT whose body matches is refused as a whole (400 invalid-value, error-path), nothing applied. */
  rejects?: RegExp;
  /** A leaf of this name is accepted by a PUT but not kept (the server drops it). */
  ignores?: string;
}

function drop(v: unknown, leaf: string): unknown {
  if (Array.isArray(v)) return v.map((x) => drop(x, leaf));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v as Tree).filter(([k]) => k !== leaf && !k.endsWith(`:${leaf}`)).map(([k, c]) => [k, drop(c, leaf)]));
  return v;
}

/** Where in a tree the first leaf whose value matches sits, as a RESTCONF error-path. */
function pathOf(v: unknown, re: RegExp, at: string): string | undefined {
  if (Array.isArray(v)) {
    for (const x of v) {
      const p = pathOf(x, re, at);
      if (p) return p;
    }
    return undefined;
  }
  if (v && typeof v === 'object') {
    for (const [k, c] of Object.entries(v as Tree)) {
      const p = pathOf(c, re, `${at}/${k}`);
      if (p) return p;
    }
    return undefined;
  }
  re.lastIndex = 0;
  return re.test(String(v)) ? at : undefined;
}

export const restconfSim: SimVendor = {
  id: 'restconf',
  init: () => ({ root: '/restconf', tree: initialRestconfTree(), counter: 0 }),
  handle(req: SimRequest, ctx: SimVendorContext): SimResponse {
    const st = ctx.state as unknown as RestconfSimState;
    if (req.path === '/.well-known/host-meta') {
      return { status: 200, headers: { 'content-type': 'application/xrd+xml' }, body: `<XRD xmlns='http://docs.oasis-open.org/ns/xri/xrd-1.0'>\n  <Link rel='restconf' href='${st.root}'/>\n</XRD>\n` };
    }
    if (!req.path.startsWith(st.root + '/')) return errors(404, 'invalid-value', `no resource ${req.path}`, 'application');
    if (!ctx.basicOk(req)) return errors(401, 'access-denied', 'authentication failed');
    const rest = req.path.slice(st.root.length + 1);
    if (rest !== 'data' && !rest.startsWith('data/')) return errors(404, 'invalid-value', `no resource ${req.path}`, 'application');
    const sub = rest.slice('data/'.length) || undefined;
    const wantXml = /yang-data\+xml|application\/xml/.test(String(req.headers.accept ?? ''));
    if (req.method === 'GET') {
      const content = req.query.get('content') ?? 'all';
      if (!['config', 'nonconfig', 'all'].includes(content)) return errors(400, 'invalid-value', `bad content "${content}"`);
      let tree: Tree = content === 'nonconfig' ? {} : structuredClone(st.tree);
      if (content !== 'config') {
        st.counter++;
        tree['ietf-interfaces:interfaces-state'] = { interface: [{ name: 'GigabitEthernet1', statistics: { 'in-octets': String(1000 * st.counter) } }] };
      }
      if (sub) {
        if (!(sub in tree)) return errors(404, 'invalid-value', `no data at ${sub}`, 'application');
        tree = { [sub]: tree[sub] };
        if (wantXml) return { status: 200, headers: { 'content-type': 'application/yang-data+xml' }, body: toXml(sub, tree[sub], undefined, '\n', '') };
        return { status: 200, headers: { 'content-type': 'application/yang-data+json' }, body: JSON.stringify(shuffle(tree), null, Math.random() < 0.5 ? 2 : undefined) };
      }
      if (wantXml) return { status: 200, headers: { 'content-type': 'application/yang-data+xml' }, body: treeToXml(tree, Math.random() < 0.5) };
      return { status: 200, headers: { 'content-type': 'application/yang-data+json' }, body: JSON.stringify({ 'ietf-restconf:data': shuffle(tree) }, null, Math.random() < 0.5 ? 2 : 4) };
    }
    if (req.method === 'PUT') {
      const ct = String(req.headers['content-type'] ?? '');
      let body: Tree;
      try {
        if (/yang-data\+json|application\/json/.test(ct)) body = JSON.parse(req.body) as Tree;
        else if (/yang-data\+xml|application\/xml/.test(ct)) body = xmlToTree(req.body);
        else return errors(415, 'operation-not-supported', `unsupported media type ${ct}`);
      } catch (err) {
        return errors(400, 'malformed-message', (err as Error).message);
      }
      if (st.rejects) {
        const bad = pathOf(body, st.rejects, '');
        if (bad) return errors(400, 'invalid-value', `value not accepted by the device`, 'application', bad.replace(/^\/(ietf-restconf:data|data)/, '') || '/');
      }
      if (st.ignores) body = drop(body, st.ignores) as Tree;
      if (!sub) {
        const data = (body['ietf-restconf:data'] ?? body['data']) as Tree | undefined;
        if (!data || typeof data !== 'object' || Object.keys(body).length !== 1) return errors(400, 'malformed-message', 'the body of a datastore PUT must be one ietf-restconf:data object');
        st.tree = data;
        return { status: 204 };
      }
      const keys = Object.keys(body);
      const key = keys[0]?.includes(':') ? keys[0] : undefined;
      if (keys.length !== 1 || key !== sub) return errors(400, 'invalid-value', `the body must hold exactly ${sub}`);
      const created = !(sub in st.tree);
      st.tree[sub] = body[sub];
      return { status: created ? 201 : 204 };
    }
    return errors(405, 'operation-not-supported', `method ${req.method} not supported here`);
  },
};

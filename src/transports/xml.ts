// A small, strict-enough XML parser and a canonical pretty printer, for NETCONF.
// The parser handles what NETCONF servers send: the XML declaration, elements, attributes,
// namespaces, character and predefined entity references, CDATA, comments and processing
// instructions (both dropped). DOCTYPE is refused (no entity expansion, ever).
// The printer writes one stable form whatever prefixes, attribute order and indentation the
// device chose, so that two fetches of the same configuration give the same bytes and a
// diff shows only what changed. Rules (docs/protocols/netconf.md):
//   - elements are written without prefix; `xmlns="…"` appears where the namespace changes;
//   - a prefixed declaration is kept only where a prefix is used (attribute names, QName-like
//     text and attribute values such as identityrefs `ianaift:ethernetCsmacd`), once, on the
//     outermost element that needs it, declarations sorted by prefix;
//   - attributes are sorted by namespace URI then local name;
//   - whitespace-only text is dropped; other text is kept as sent and escaped stably;
//   - comments, processing instructions and the XML declaration are dropped;
//   - two spaces of indentation, one element per line, `<a/>` for empty elements.
import { NetkeepError } from '../errors.ts';

export const XMLNS_URI = 'http://www.w3.org/2000/xmlns/';
export const XML_URI = 'http://www.w3.org/XML/1998/namespace';

export interface XmlAttr {
  /** Name as written ("nc:operation"). */
  name: string;
  prefix: string | undefined;
  local: string;
  /** Namespace URI (unprefixed attributes have none). */
  ns: string | undefined;
  value: string;
}

export interface XmlElement {
  type: 'element';
  /** Name as written ("nc:rpc-reply"). */
  name: string;
  prefix: string | undefined;
  local: string;
  /** Namespace URI, undefined when the element is in no namespace. */
  ns: string | undefined;
  /** Attributes other than namespace declarations. */
  attrs: XmlAttr[];
  /** Namespace declarations made on this element: prefix ('' for the default) → URI. */
  nsDecls: Map<string, string>;
  /** Every prefix in scope here ('' for the default) → URI. */
  scope: Map<string, string>;
  children: XmlNode[];
}

export interface XmlText {
  type: 'text';
  text: string;
}

export type XmlNode = XmlElement | XmlText;

function xmlError(msg: string, pos: number, text: string): NetkeepError {
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const col = pos - before.lastIndexOf('\n');
  return new NetkeepError('protocol_error', `malformed XML at line ${line}, column ${col}: ${msg}`, { line, column: col });
}

const NAME = /[A-Za-z_\u00C0-\uFFFF][A-Za-z0-9_.\-:\u00B7\u00C0-\uFFFF]*/y;

function decodeEntities(s: string, pos: number, text: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&([^;&\s]*);?/g, (m, name: string) => {
    if (!m.endsWith(';')) throw xmlError(`'&' not followed by an entity reference`, pos, text);
    switch (name) {
      case 'lt':
        return '<';
      case 'gt':
        return '>';
      case 'amp':
        return '&';
      case 'quot':
        return '"';
      case 'apos':
        return "'";
    }
    let cp: number;
    if (/^#x[0-9a-fA-F]+$/.test(name)) cp = parseInt(name.slice(2), 16);
    else if (/^#[0-9]+$/.test(name)) cp = parseInt(name.slice(1), 10);
    else throw xmlError(`unknown entity &${name};`, pos, text);
    if (!(cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff))) {
      throw xmlError(`character reference &${name}; is not a valid XML character`, pos, text);
    }
    return String.fromCodePoint(cp);
  });
}

function splitName(name: string): { prefix: string | undefined; local: string } {
  const i = name.indexOf(':');
  if (i < 0) return { prefix: undefined, local: name };
  return { prefix: name.slice(0, i), local: name.slice(i + 1) };
}

/** Parse one XML document; throws a protocol_error NetkeepError that says where it broke. */
export function parseXml(text: string): XmlElement {
  let i = 0;
  const n = text.length;
  if (text.charCodeAt(0) === 0xfeff) i = 1;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  const baseScope = new Map<string, string>([['xml', XML_URI]]);

  const readName = (): string => {
    NAME.lastIndex = i;
    const m = NAME.exec(text);
    if (!m) throw xmlError('expected a name', i, text);
    i += m[0].length;
    return m[0];
  };
  const skipWs = () => {
    while (i < n && (text[i] === ' ' || text[i] === '\n' || text[i] === '\t' || text[i] === '\r')) i++;
  };
  const addText = (s: string) => {
    const top = stack[stack.length - 1];
    if (!top) {
      if (s.trim() !== '') throw xmlError('text outside the root element', i, text);
      return;
    }
    const last = top.children[top.children.length - 1];
    if (last && last.type === 'text') last.text += s;
    else top.children.push({ type: 'text', text: s });
  };

  while (i < n) {
    const lt = text.indexOf('<', i);
    if (lt < 0) {
      addText(decodeEntities(text.slice(i), i, text));
      i = n;
      break;
    }
    if (lt > i) {
      const raw = text.slice(i, lt);
      if (raw.includes(']]>')) throw xmlError(`']]>' in text`, i, text);
      addText(decodeEntities(raw, i, text));
    }
    i = lt;
    if (text.startsWith('<!--', i)) {
      const end = text.indexOf('-->', i + 4);
      if (end < 0) throw xmlError('unterminated comment', i, text);
      i = end + 3;
    } else if (text.startsWith('<![CDATA[', i)) {
      const end = text.indexOf(']]>', i + 9);
      if (end < 0) throw xmlError('unterminated CDATA section', i, text);
      if (!stack.length) throw xmlError('CDATA outside the root element', i, text);
      addText(text.slice(i + 9, end));
      i = end + 3;
    } else if (text.startsWith('<?', i)) {
      const end = text.indexOf('?>', i + 2);
      if (end < 0) throw xmlError('unterminated processing instruction', i, text);
      i = end + 2;
    } else if (text.startsWith('<!', i)) {
      throw xmlError('DOCTYPE and other declarations are not allowed', i, text);
    } else if (text.startsWith('</', i)) {
      i += 2;
      const name = readName();
      skipWs();
      if (text[i] !== '>') throw xmlError(`expected '>' to close </${name}`, i, text);
      i++;
      const top = stack.pop();
      if (!top) throw xmlError(`closing tag </${name}> without an open element`, i, text);
      if (top.name !== name) throw xmlError(`closing tag </${name}> does not match <${top.name}>`, i, text);
    } else {
      i++;
      const name = readName();
      const rawAttrs: { name: string; value: string }[] = [];
      let selfClosing = false;
      for (;;) {
        const hadWs = i < n && /\s/.test(text[i]!);
        skipWs();
        if (i >= n) throw xmlError(`unterminated start tag <${name}`, i, text);
        if (text[i] === '>') {
          i++;
          break;
        }
        if (text.startsWith('/>', i)) {
          i += 2;
          selfClosing = true;
          break;
        }
        if (!hadWs) throw xmlError(`expected whitespace between attributes in <${name}>`, i, text);
        const an = readName();
        skipWs();
        if (text[i] !== '=') throw xmlError(`attribute ${an} has no value`, i, text);
        i++;
        skipWs();
        const q = text[i];
        if (q !== '"' && q !== "'") throw xmlError(`attribute ${an} value is not quoted`, i, text);
        const end = text.indexOf(q, i + 1);
        if (end < 0) throw xmlError(`unterminated value of attribute ${an}`, i, text);
        const rawVal = text.slice(i + 1, end);
        if (rawVal.includes('<')) throw xmlError(`'<' in the value of attribute ${an}`, i, text);
        // attribute value normalisation (XML 1.0 §3.3.3): literal whitespace → space
        const value = decodeEntities(rawVal.replace(/[\t\n\r]/g, ' '), i, text);
        if (rawAttrs.some((a) => a.name === an)) throw xmlError(`duplicate attribute ${an} in <${name}>`, i, text);
        rawAttrs.push({ name: an, value });
        i = end + 1;
      }
      const parent = stack[stack.length - 1];
      if (!parent && root) throw xmlError('more than one root element', i, text);
      const nsDecls = new Map<string, string>();
      for (const a of rawAttrs) {
        if (a.name === 'xmlns') nsDecls.set('', a.value);
        else if (a.name.startsWith('xmlns:')) {
          const p = a.name.slice(6);
          if (a.value === '') throw xmlError(`prefix ${p} is undeclared with an empty URI (not allowed in XML 1.0)`, i, text);
          nsDecls.set(p, a.value);
        }
      }
      // scopes are shared with the parent unless this element declares something (never mutated)
      let scope = parent ? parent.scope : baseScope;
      if (nsDecls.size) {
        scope = new Map(scope);
        for (const [p, u] of nsDecls) scope.set(p, u);
      }
      const { prefix, local } = splitName(name);
      let ns: string | undefined;
      if (prefix !== undefined) {
        ns = scope.get(prefix);
        if (ns === undefined) throw xmlError(`undeclared namespace prefix '${prefix}' on <${name}>`, i, text);
      } else {
        const d = scope.get('');
        ns = d === '' ? undefined : d;
      }
      const attrs: XmlAttr[] = [];
      for (const a of rawAttrs) {
        if (a.name === 'xmlns' || a.name.startsWith('xmlns:')) continue;
        const s = splitName(a.name);
        let ans: string | undefined;
        if (s.prefix !== undefined) {
          ans = scope.get(s.prefix);
          if (ans === undefined) throw xmlError(`undeclared namespace prefix '${s.prefix}' on attribute ${a.name}`, i, text);
        }
        attrs.push({ name: a.name, prefix: s.prefix, local: s.local, ns: ans, value: a.value });
      }
      const el: XmlElement = { type: 'element', name, prefix, local, ns, attrs, nsDecls, scope, children: [] };
      if (parent) parent.children.push(el);
      else root = el;
      if (!selfClosing) stack.push(el);
    }
  }
  if (stack.length) throw xmlError(`<${stack[stack.length - 1]!.name}> is never closed`, n, text);
  if (!root) throw xmlError('no root element', n, text);
  return root;
}

// ---- navigation helpers -------------------------------------------------------------

export function childElements(el: XmlElement, local?: string, ns?: string): XmlElement[] {
  return el.children.filter((c): c is XmlElement => c.type === 'element' && (local === undefined || c.local === local) && (ns === undefined || c.ns === ns));
}

export function firstChild(el: XmlElement, local: string, ns?: string): XmlElement | undefined {
  return childElements(el, local, ns)[0];
}

/** The concatenated text directly inside an element. */
export function textOf(el: XmlElement | undefined): string {
  if (!el) return '';
  return el.children.map((c) => (c.type === 'text' ? c.text : textOf(c))).join('');
}

// ---- canonical printer ----------------------------------------------------------------

export function escapeText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;');
}

export function escapeAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;');
}

/** Prefixes a text or attribute value seems to use as QNames (identityrefs, instance-identifiers, XPath). */
function qnamePrefixes(value: string, scope: Map<string, string>): string[] {
  const out: string[] = [];
  const re = /(?:^|[^A-Za-z0-9_.\-:])([A-Za-z_][A-Za-z0-9_.\-]*):[A-Za-z_*]/g;
  for (let m = re.exec(value); m; m = re.exec(value)) {
    const p = m[1]!;
    if (p !== 'xml' && scope.has(p) && !out.includes(p)) out.push(p);
  }
  return out;
}

export interface CanonicalOptions {
  /** Spaces per level (default 2). */
  indent?: number;
}

/** The stable, pretty-printed form of an element (or a document given as text). Ends with a newline. */
export function canonicalXml(input: XmlElement | string, opts: CanonicalOptions = {}): string {
  const root = typeof input === 'string' ? parseXml(input) : input;
  const unit = ' '.repeat(opts.indent ?? 2);
  const lines: string[] = [];

  // prefixes needed by an element's own attributes and text
  const ownPrefixes = (el: XmlElement): Set<string> => {
    const need = new Set<string>();
    for (const a of el.attrs) {
      if (a.prefix !== undefined && a.prefix !== 'xml') need.add(a.prefix);
      for (const p of qnamePrefixes(a.value, el.scope)) need.add(p);
    }
    for (const c of el.children) if (c.type === 'text') for (const p of qnamePrefixes(c.text, el.scope)) need.add(p);
    return need;
  };

  const walk = (el: XmlElement, depth: number, parentDefault: string | undefined, declared: Map<string, string>) => {
    const pad = unit.repeat(depth);
    const parts: string[] = [el.local];
    const ns = el.ns ?? '';
    if (ns !== (parentDefault ?? '')) parts.push(`xmlns="${escapeAttr(ns)}"`);
    let here = declared;
    const decls: [string, string][] = [];
    for (const p of [...ownPrefixes(el)].sort()) {
      const uri = el.scope.get(p)!;
      if (here.get(p) === uri) continue;
      if (here === declared) here = new Map(declared);
      here.set(p, uri);
      decls.push([p, uri]);
    }
    for (const [p, uri] of decls) parts.push(`xmlns:${p}="${escapeAttr(uri)}"`);
    const attrs = [...el.attrs].sort((a, b) => cmp(a.ns ?? '', b.ns ?? '') || cmp(a.local, b.local));
    for (const a of attrs) parts.push(`${a.prefix !== undefined ? `${a.prefix}:` : ''}${a.local}="${escapeAttr(a.value)}"`);
    const open = parts.join(' ');
    const kids = el.children.filter((c) => c.type === 'element' || c.text.trim() !== '');
    if (kids.length === 0) {
      lines.push(`${pad}<${open}/>`);
      return;
    }
    if (kids.every((c) => c.type === 'text')) {
      lines.push(`${pad}<${open}>${escapeText(kids.map((c) => (c as XmlText).text).join(''))}</${el.local}>`);
      return;
    }
    lines.push(`${pad}<${open}>`);
    for (const c of kids) {
      if (c.type === 'text') lines.push(`${pad}${unit}${escapeText(c.text.trim())}`);
      else walk(c, depth + 1, el.ns, here);
    }
    lines.push(`${pad}</${el.local}>`);
  };
  walk(root, 0, undefined, new Map());
  return lines.join('\n') + '\n';
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Serialise an element compactly (no pretty printing), keeping prefixes as in the source. For sending. */
export function serializeXml(el: XmlElement, parentScope?: Map<string, string>): string {
  const parts = [el.name];
  // re-declare whatever this element's scope has that the parent's does not
  for (const [p, u] of el.scope) {
    if (p === 'xml') continue;
    if (parentScope?.get(p) === u) continue;
    parts.push(p === '' ? `xmlns="${escapeAttr(u)}"` : `xmlns:${p}="${escapeAttr(u)}"`);
  }
  for (const a of el.attrs) parts.push(`${a.name}="${escapeAttr(a.value)}"`);
  if (el.children.length === 0) return `<${parts.join(' ')}/>`;
  const inner = el.children.map((c) => (c.type === 'text' ? escapeText(c.text) : serializeXml(c, el.scope))).join('');
  return `<${parts.join(' ')}>${inner}</${el.name}>`;
}

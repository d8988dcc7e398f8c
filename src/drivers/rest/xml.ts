// A small XML reader and canonical pretty-printer for the REST profiles (RESTCONF XML, PAN-OS,
// Junos). No shared `src/transports/xml.ts` existed when this was written; this one is kept
// minimal on purpose: elements, attributes, text, CDATA, entities; comments, processing
// instructions and the DOCTYPE are dropped. No DTD/entity expansion (nothing to exploit).
//
// Canonical form (what netkeep stores, so that equal configs give equal text):
// no XML declaration; two-space indentation; one element per line; attributes on the start
// tag with namespace declarations first, each group sorted by name; sibling order kept (it is
// significant in XML and in ordered YANG lists); whitespace-only text between elements
// dropped; an element with only text on one line; empty elements as `<a/>`; entities
// normalised (&amp; &lt; &gt; in text, plus &quot; and whitespace escapes in attributes).

export interface XmlElement {
  name: string;
  attrs: [string, string][];
  children: XmlNode[];
}
export type XmlNode = XmlElement | string;

const NAME = /[A-Za-z_:][-A-Za-z0-9_:.]*/y;

function decode(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|lt|gt|amp|quot|apos);/g, (_m, e: string) => {
    if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
    return ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" } as Record<string, string>)[e];
  });
}

/** Parse a document and return its root element. Throws an Error on malformed input. */
export function parseXml(text: string): XmlElement {
  let i = 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  const fail = (what: string): never => {
    throw new Error(`malformed XML at offset ${i}: ${what}`);
  };
  const addText = (t: string) => {
    if (!t) return;
    const top = stack[stack.length - 1];
    if (!top) {
      if (t.trim()) fail('text outside the root element');
      return;
    }
    const last = top.children[top.children.length - 1];
    if (typeof last === 'string') top.children[top.children.length - 1] = last + t;
    else top.children.push(t);
  };
  while (i < text.length) {
    const lt = text.indexOf('<', i);
    if (lt < 0) {
      addText(decode(text.slice(i)));
      break;
    }
    if (lt > i) addText(decode(text.slice(i, lt)));
    i = lt;
    if (text.startsWith('<!--', i)) {
      const end = text.indexOf('-->', i + 4);
      if (end < 0) fail('unterminated comment');
      i = end + 3;
    } else if (text.startsWith('<![CDATA[', i)) {
      const end = text.indexOf(']]>', i + 9);
      if (end < 0) fail('unterminated CDATA');
      addText(text.slice(i + 9, end));
      i = end + 3;
    } else if (text.startsWith('<?', i)) {
      const end = text.indexOf('?>', i + 2);
      if (end < 0) fail('unterminated processing instruction');
      i = end + 2;
    } else if (text.startsWith('<!', i)) {
      let depth = 0;
      let j = i + 2;
      for (; j < text.length; j++) {
        if (text[j] === '[') depth++;
        else if (text[j] === ']') depth--;
        else if (text[j] === '>' && depth <= 0) break;
      }
      i = j + 1;
    } else if (text[i + 1] === '/') {
      NAME.lastIndex = i + 2;
      const m = NAME.exec(text) ?? fail('bad end tag');
      const top = stack.pop();
      if (!top || top.name !== m[0]) fail(`end tag </${m[0]}> does not match <${top?.name ?? ''}>`);
      i = NAME.lastIndex;
      while (/\s/.test(text[i] ?? '')) i++;
      if (text[i] !== '>') fail('bad end tag');
      i++;
    } else {
      NAME.lastIndex = i + 1;
      const m = NAME.exec(text) ?? fail('bad start tag');
      const el: XmlElement = { name: m[0], attrs: [], children: [] };
      const parent = stack[stack.length - 1];
      if (parent) parent.children.push(el);
      else if (root) fail('more than one root element');
      else root = el;
      i = NAME.lastIndex;
      for (;;) {
        while (/\s/.test(text[i] ?? '')) i++;
        if (text.startsWith('/>', i)) {
          i += 2;
          break;
        }
        if (text[i] === '>') {
          i++;
          stack.push(el);
          break;
        }
        NAME.lastIndex = i;
        const a = NAME.exec(text) ?? fail('bad attribute');
        i = NAME.lastIndex;
        while (/\s/.test(text[i] ?? '')) i++;
        if (text[i] !== '=') fail('attribute without value');
        i++;
        while (/\s/.test(text[i] ?? '')) i++;
        const q = text[i];
        if (q !== '"' && q !== "'") fail('unquoted attribute');
        const end = text.indexOf(q, i + 1);
        if (end < 0) fail('unterminated attribute');
        el.attrs.push([a[0], decode(text.slice(i + 1, end))]);
        i = end + 1;
      }
    }
  }
  if (stack.length) fail(`<${stack[stack.length - 1].name}> is never closed`);
  if (!root) fail('no root element');
  return root!;
}

const escText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const escAttr = (s: string) => escText(s).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');

function sortedAttrs(attrs: [string, string][]): [string, string][] {
  const ns = (n: string) => n === 'xmlns' || n.startsWith('xmlns:');
  return [...attrs].sort((a, b) => Number(ns(b[0])) - Number(ns(a[0])) || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

function render(el: XmlElement, indent: string, out: string[]): void {
  const open = `<${el.name}${sortedAttrs(el.attrs).map(([k, v]) => ` ${k}="${escAttr(v)}"`).join('')}`;
  const elems = el.children.some((c) => typeof c !== 'string');
  if (!elems) {
    const text = el.children.join('');
    out.push(text.trim() === '' ? `${indent}${open}/>` : `${indent}${open}>${escText(text)}</${el.name}>`);
    return;
  }
  out.push(`${indent}${open}>`);
  for (const c of el.children) {
    if (typeof c === 'string') {
      if (c.trim()) out.push(`${indent}  ${escText(c.trim())}`);
    } else render(c, indent + '  ', out);
  }
  out.push(`${indent}</${el.name}>`);
}

/** The canonical text of an element (see the header), ending with a newline. */
export function renderXml(el: XmlElement): string {
  const out: string[] = [];
  render(el, '', out);
  return out.join('\n') + '\n';
}

/** Parse and re-render canonically. */
export function canonicalXml(text: string): string {
  return renderXml(parseXml(text));
}

export const localName = (name: string) => name.slice(name.indexOf(':') + 1);

/** Descendants (and the element itself) whose local name is `name`, in document order. */
export function findAll(el: XmlElement, name: string): XmlElement[] {
  const out: XmlElement[] = [];
  const walk = (e: XmlElement) => {
    if (localName(e.name) === name) out.push(e);
    for (const c of e.children) if (typeof c !== 'string') walk(c);
  };
  walk(el);
  return out;
}

export const findFirst = (el: XmlElement, name: string): XmlElement | undefined => findAll(el, name)[0];

/** All the text inside an element. */
export function textOf(el: XmlElement | undefined): string {
  if (!el) return '';
  return el.children.map((c) => (typeof c === 'string' ? c : textOf(c))).join('');
}

export const attr = (el: XmlElement | undefined, name: string): string | undefined => el?.attrs.find(([k]) => k === name)?.[1];

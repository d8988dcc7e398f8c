// Unit tests of the REST profiles' canonical forms and of the fingerprint helpers.
import { describe, expect, it } from 'vitest';
import { canonicalXml, parseXml } from '../../src/drivers/rest/xml.ts';
import { canonicalJson, canonicalText } from '../../src/drivers/rest/types.ts';
import { normalizeFingerprint } from '../../src/transports/https.ts';
import { REST_PROFILES, findRestProfile } from '../../src/drivers/rest/index.ts';

describe('canonical XML', () => {
  it('sorts attributes (namespaces first), indents, drops comments/PIs, normalises entities and empty elements', () => {
    const a = `<?xml version="1.0"?>\n<!-- c --><r b='2' xmlns:x="u:x" a="1"><x:e>t &amp; &#60;u&gt;</x:e><![CDATA[<raw>]]><empty>  </empty><k/></r>`;
    expect(canonicalXml(a)).toBe('<r xmlns:x="u:x" a="1" b="2">\n  <x:e>t &amp; &lt;u&gt;</x:e>\n  &lt;raw&gt;\n  <empty/>\n  <k/>\n</r>\n');
    const b = `<r a = "1"   b="2" xmlns:x='u:x'>\n   <x:e>t &amp; &lt;u></x:e><![CDATA[<raw>]]>\n<empty/><k></k></r>`;
    expect(canonicalXml(b)).toBe(canonicalXml(a));
  });

  it('keeps sibling order (it is significant) and refuses malformed input', () => {
    expect(canonicalXml('<a><b>2</b><b>1</b></a>')).toBe('<a>\n  <b>2</b>\n  <b>1</b>\n</a>\n');
    for (const bad of ['<a><b></a>', '<a>', 'text', '<a/><b/>', '<a x=1/>']) expect(() => parseXml(bad), bad).toThrow(/malformed XML/);
  });
});

describe('canonical JSON and text', () => {
  it('JSON: sorted keys at every depth, arrays kept in order, 2-space indent', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 1, c: 2 }, 3] })).toBe('{\n  "a": [\n    {\n      "c": 2,\n      "d": 1\n    },\n    3\n  ],\n  "b": 1\n}\n');
  });
  it('text: LF, no trailing blanks, one final newline', () => {
    expect(canonicalText('a  \r\nb\t\r\n\n\n')).toBe('a\nb\n');
  });
});

describe('fingerprints and profiles', () => {
  it('normalises pins written in several ways', () => {
    const want = 'sha256/' + 'AB:'.repeat(31) + 'AB';
    expect(normalizeFingerprint(want)).toBe(want);
    expect(normalizeFingerprint('sha256:' + 'ab'.repeat(32))).toBe(want);
    expect(normalizeFingerprint('AB:'.repeat(31) + 'AB')).toBe(want);
    expect(() => normalizeFingerprint('sha256/abc')).toThrow(/not a SHA-256 fingerprint/);
  });
  it('profiles have unique ids and aliases and resolve by either', () => {
    const names = REST_PROFILES.flatMap((p) => [p.id, ...(p.aliases ?? [])]);
    expect(new Set(names).size).toBe(names.length);
    expect(REST_PROFILES.map((p) => p.id)).toEqual(['restconf', 'eapi', 'panos', 'fortios', 'junos-rest', 'routeros-rest']);
    expect(findRestProfile('MikroTik-REST').id).toBe('routeros-rest');
    expect(findRestProfile('junos').id).toBe('junos-rest');
  });
});

describe('in-band errors of the vendor APIs', () => {
  const ans = (o: { text?: string; json?: unknown; contentType?: string }) => ({ status: 200, contentType: o.contentType ?? 'application/json', text: o.text ?? JSON.stringify(o.json), json: o.json });
  it('eAPI JSON-RPC errors: invalid command → command_rejected, unauthorized → auth_failed', () => {
    const p = findRestProfile('eapi');
    expect(p.inBandError!(ans({ json: { jsonrpc: '2.0', id: 1, error: { code: 1002, message: "CLI command 2 of 2 'show foo' failed: invalid command" } } }))).toMatchObject({ failureClass: 'command_rejected' });
    expect(p.inBandError!(ans({ json: { jsonrpc: '2.0', id: 1, error: { code: 1005, message: 'Unauthorized command' } } }))).toMatchObject({ failureClass: 'auth_failed' });
    expect(p.inBandError!(ans({ json: { jsonrpc: '2.0', id: 1, result: [] } }))).toBeUndefined();
  });
  it("PAN-OS and Junos error envelopes, FortiOS's JSON error for a text call", () => {
    const x = (text: string) => ({ status: 200, contentType: 'application/xml', text, xml: parseXml(text) });
    expect(findRestProfile('panos').inBandError!(x(`<response status = 'error' code = '403'><result><msg>Invalid credentials.</msg></result></response>`))).toMatchObject({ failureClass: 'auth_failed' });
    expect(findRestProfile('panos').inBandError!(x(`<response status="error" code="17"><msg><line>bad</line></msg></response>`))).toMatchObject({ failureClass: 'command_rejected', message: 'PAN-OS error 17: bad' });
    expect(findRestProfile('junos-rest').inBandError!(x('<rpc-error><error-message>syntax error</error-message></rpc-error>'))).toMatchObject({ failureClass: 'command_rejected', message: 'Junos RPC error: syntax error' });
    expect(findRestProfile('fortios').inBandError!(ans({ text: '{"status":"error","http_status":403}' }))).toMatchObject({ failureClass: 'auth_failed' });
    expect(findRestProfile('fortios').inBandError!(ans({ text: '#config-version=x\n', contentType: 'text/plain' }))).toBeUndefined();
  });
});

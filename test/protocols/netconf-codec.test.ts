// NETCONF framing, session and XML canonicalisation with crafted bytes (no server needed).
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { NetkeepError } from '../../src/errors.ts';
import { FrameDecoder, NetconfSession, encodeFrame, CAP_BASE_10, CAP_BASE_11 } from '../../src/transports/netconf.ts';
import type { NetconfChannel } from '../../src/transports/netconf.ts';
import { canonicalXml, parseXml } from '../../src/transports/xml.ts';

function takeAll(d: FrameDecoder): string[] {
  const out: string[] = [];
  for (let m = d.take(); m !== undefined; m = d.take()) out.push(m);
  return out;
}

function malformed(fn: () => unknown): NetkeepError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(NetkeepError);
    return err as NetkeepError;
  }
  throw new Error('expected a failure');
}

describe('framing (RFC 6242)', () => {
  it('end-of-message: split anywhere, several per chunk', () => {
    const wire = Buffer.concat([encodeFrame('<a/>', 'eom'), encodeFrame('<b>é</b>', 'eom')]);
    for (let cut = 1; cut < wire.length; cut++) {
      const d = new FrameDecoder('eom');
      d.push(wire.subarray(0, cut));
      const first = takeAll(d);
      d.push(wire.subarray(cut));
      expect([...first, ...takeAll(d)]).toEqual(['<a/>', '<b>é</b>']);
    }
  });

  it('chunked: split anywhere, multi-chunk messages, byte (not char) lengths', () => {
    const msg = '<rpc-reply>ünïcode</rpc-reply>';
    const body = Buffer.from(msg);
    const multi = Buffer.concat([Buffer.from(`\n#5\n`), body.subarray(0, 5), Buffer.from(`\n#${body.length - 5}\n`), body.subarray(5), Buffer.from('\n##\n')]);
    const wire = Buffer.concat([encodeFrame(msg, 'chunked'), multi]);
    for (let cut = 1; cut < wire.length; cut++) {
      const d = new FrameDecoder('chunked');
      d.push(wire.subarray(0, cut));
      const first = takeAll(d);
      d.push(wire.subarray(cut));
      expect([...first, ...takeAll(d)]).toEqual([msg, msg]);
    }
  });

  it('byte-by-byte delivery of both framings', () => {
    for (const framing of ['eom', 'chunked'] as const) {
      const wire = Buffer.concat([encodeFrame('<a>]]></a>', framing), encodeFrame('<b/>', framing)]);
      const d = new FrameDecoder(framing);
      const got: string[] = [];
      for (const byte of wire) {
        d.push(Buffer.from([byte]));
        got.push(...takeAll(d));
      }
      // in EOM framing a "]]>" inside the text is fine, only "]]>]]>" ends a message
      expect(got).toEqual(['<a>]]></a>', '<b/>']);
      expect(d.pending).toBe(0);
    }
  });

  it('malformed chunk headers are protocol errors that say what came', () => {
    const cases: [string, RegExp][] = [
      ['garbage', /expected a chunk header/],
      ['\n#abc\nxyz', /bad chunk header/],
      ['\n#0\n', /starts with 0/],
      ['\n#012\n', /starts with 0/],
      ['\n#99999999999\n', /more than 10 digits/],
      ['\n#4294967296\n', /larger than 4294967295/],
      ['\n##\n', /before any chunk/],
      ['\n#3\nabc\n##x', /not followed by a newline/],
      ['\n#3\nabcdef', /expected a chunk header/],
    ];
    for (const [bytes, re] of cases) {
      const d = new FrameDecoder('chunked');
      d.push(Buffer.from(bytes, 'latin1'));
      const e = malformed(() => takeAll(d));
      expect(e.failureClass).toBe('protocol_error');
      expect(e.message).toMatch(re);
    }
  });

  it('a message over the size limit is refused', () => {
    const d = new FrameDecoder('chunked', 100);
    d.push(Buffer.from('\n#200\n'));
    expect(malformed(() => takeAll(d)).message).toMatch(/larger than 100 bytes/);
    const e = new FrameDecoder('eom', 100);
    expect(malformed(() => e.push(Buffer.alloc(200, 0x41))).failureClass).toBe('protocol_error');
  });
});

/** A fake server on the other end of a NetconfChannel. */
class FakeChannel extends EventEmitter implements NetconfChannel {
  sent: Buffer[] = [];
  ended = false;
  onWrite: (b: Buffer) => void = () => {};
  write(data: Buffer): void {
    this.sent.push(data);
    this.onWrite(data);
  }
  end(): void {
    this.ended = true;
  }
  serverSends(s: string | Buffer): void {
    this.emit('data', typeof s === 'string' ? Buffer.from(s) : s);
  }
}

const HELLO = (caps: string[]) =>
  `<?xml version="1.0"?><hello xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><capabilities>${caps.map((c) => `<capability>${c}</capability>`).join('')}</capabilities><session-id>7</session-id></hello>]]>]]>`;

async function session(caps = [CAP_BASE_10, CAP_BASE_11]) {
  const ch = new FakeChannel();
  const s = new NetconfSession(ch, { where: 'dev:830' });
  const h = s.hello();
  ch.serverSends(HELLO(caps));
  await h;
  return { ch, s };
}

describe('NETCONF session with a crafted server', () => {
  it('switches to chunked framing only when both sides say base:1.1', async () => {
    expect((await session()).s.framing).toBe('chunked');
    expect((await session([CAP_BASE_10])).s.framing).toBe('eom');
  });

  it('a malformed frame fails the pending rpc with protocol_error and closes the channel', async () => {
    const { ch, s } = await session();
    const p = s.rpc('<get-config><source><running/></source></get-config>', 'get-config running');
    ch.serverSends('\n#zz\n<rpc-reply/>');
    const e = await p.then(
      () => undefined,
      (err: NetkeepError) => err,
    );
    expect(e?.failureClass).toBe('protocol_error');
    expect(e?.message).toMatch(/^dev:830: malformed NETCONF chunked frame/);
    expect(ch.ended).toBe(true);
    await expect(s.rpc('<get/>')).rejects.toBe(e);
  });

  it('not-well-formed XML in a frame is a protocol_error', async () => {
    const { ch, s } = await session([CAP_BASE_10]);
    const p = s.rpc('<get/>', 'get');
    ch.serverSends('<rpc-reply message-id="1" xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><data></rpc-reply>]]>]]>');
    await expect(p).rejects.toMatchObject({ failureClass: 'protocol_error', message: expect.stringMatching(/not well-formed XML/) });
  });

  it('rpc-error → command_rejected with error-message; message-ids are matched', async () => {
    const { ch, s } = await session([CAP_BASE_10]);
    const p1 = s.rpc('<get/>', 'get');
    const p2 = s.rpc('<edit-config/>', 'edit-config candidate');
    // answers in reverse order
    ch.serverSends(
      `<rpc-reply message-id="2" xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><rpc-error><error-type>application</error-type><error-tag>invalid-value</error-tag><error-severity>error</error-severity><error-path>/interfaces</error-path><error-message xml:lang="en">bad &lt;thing&gt;</error-message></rpc-error></rpc-reply>]]>]]>` +
        `<rpc-reply message-id="1" xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><data/></rpc-reply>]]>]]>`,
    );
    await expect(p2).rejects.toMatchObject({ failureClass: 'command_rejected', message: 'dev:830: NETCONF edit-config candidate failed: invalid-value: bad <thing> (path /interfaces)' });
    expect((await p1).data).toBeDefined();
    // a reply for no request is a protocol error
    const p3 = s.rpc('<get/>', 'get');
    ch.serverSends(`<rpc-reply message-id="99" xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><ok/></rpc-reply>]]>]]>`);
    await expect(p3).rejects.toMatchObject({ failureClass: 'protocol_error', message: expect.stringMatching(/message-id "99" matches no request/) });
  });

  it('a hello without session-id, or a non-hello first message, is refused', async () => {
    const ch = new FakeChannel();
    const s = new NetconfSession(ch, { where: 'dev:830' });
    const h = s.hello();
    ch.serverSends(`<rpc-reply xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"/>]]>]]>`);
    await expect(h).rejects.toMatchObject({ failureClass: 'protocol_error', message: expect.stringMatching(/expected the server's NETCONF <hello>/) });
    const ch2 = new FakeChannel();
    const s2 = new NetconfSession(ch2, { where: 'dev:830' });
    const h2 = s2.hello();
    ch2.serverSends(HELLO([CAP_BASE_10]).replace('<session-id>7</session-id>', ''));
    await expect(h2).rejects.toMatchObject({ failureClass: 'protocol_error' });
  });

  it('the channel closing under a pending rpc is connection_reset', async () => {
    const { ch, s } = await session();
    const p = s.rpc('<get/>', 'get');
    ch.emit('close');
    await expect(p).rejects.toMatchObject({ failureClass: 'connection_reset' });
  });

  it('sends chunked frames after the switch', async () => {
    const { ch, s } = await session();
    void s.rpc('<get/>').catch(() => {});
    const last = ch.sent[ch.sent.length - 1]!.toString();
    expect(last).toMatch(/^\n#\d+\n<\?xml version="1.0" encoding="UTF-8"\?>\n<rpc message-id="1" xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><get\/><\/rpc>\n##\n$/);
    s.destroy();
  });
});

describe('canonical XML', () => {
  it('gives one form whatever prefixes, attribute order and indentation the device chose', () => {
    const a = `<?xml version="1.0"?>
<!-- comment -->
<nc:data xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0" xmlns:if="urn:i" xmlns:unused="urn:u">
  <if:interfaces>
     <if:interface b="2" a="1">
       <if:name>eth0</if:name>
       <if:type xmlns:ianaift="urn:t">ianaift:ethernetCsmacd</if:type>
       <if:description><![CDATA[a & b < c]]></if:description>
       <if:empty>   </if:empty>
     </if:interface>
  </if:interfaces>
</nc:data>`;
    const b = `<data xmlns="urn:ietf:params:xml:ns:netconf:base:1.0" xmlns:x="urn:t"><interfaces xmlns="urn:i"><interface a='1' b='2'><name>eth0</name><type>x:ethernetCsmacd</type><description>a &amp; b &lt; c</description><empty/></interface></interfaces></data>`;
    const ca = canonicalXml(a);
    expect(ca).toBe(`<data xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">
  <interfaces xmlns="urn:i">
    <interface a="1" b="2">
      <name>eth0</name>
      <type xmlns:ianaift="urn:t">ianaift:ethernetCsmacd</type>
      <description>a &amp; b &lt; c</description>
      <empty/>
    </interface>
  </interfaces>
</data>
`);
    // the same document with another identityref prefix differs only there
    const cb = canonicalXml(b);
    expect(cb.replace('xmlns:x="urn:t">x:', 'xmlns:ianaift="urn:t">ianaift:')).toBe(ca);
    expect(canonicalXml(ca)).toBe(ca);
  });

  it('escapes text and attributes stably, and sorts namespaced attributes by URI', () => {
    const x = `<r xmlns="urn:r" xmlns:p="urn:z" xmlns:q="urn:a" p:k="1" q:k="2" plain="&quot;&#9;&#x41;"><t>&gt;&#13;</t></r>`;
    expect(canonicalXml(x)).toBe(`<r xmlns="urn:r" xmlns:p="urn:z" xmlns:q="urn:a" plain="&quot;&#9;A" q:k="2" p:k="1">\n  <t>&gt;&#13;</t>\n</r>\n`);
  });

  it('refuses what is not XML, and DOCTYPE', () => {
    for (const bad of ['<a>', '<a></b>', '<a b=1/>', '<a>&nbsp;</a>', '<!DOCTYPE a [<!ENTITY x "y">]><a/>', '<a/><b/>', '<p:a/>', 'text']) {
      expect(() => parseXml(bad), bad).toThrowError(NetkeepError);
    }
  });
});

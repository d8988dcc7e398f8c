// Juniper Junos REST API (`set system services rest https`, port 3443; 3000 is plain HTTP):
// POST /rpc/get-configuration with basic auth; the Accept header picks text (default, the
// curly-brace config the junos CLI driver stores) or XML. Facts from get-software-information
// and get-chassis-inventory.
import type { InBandError, RestProfile } from './types.ts';
import { findFirst, parseXml, renderXml, textOf } from './xml.ts';

const xmlFormat = (o: Readonly<Record<string, unknown>>) => o.format === 'xml';

export const junosRest: RestProfile = {
  id: 'junos-rest',
  aliases: ['junos', 'juniper-rest'],
  vendor: 'Juniper Networks',
  api: 'Junos REST API (/rpc)',
  defaultPort: 3443,
  auth: { kind: 'basic' },
  options: [{ name: 'format', description: 'text or xml', default: 'text' }],
  config: {
    call: {
      method: 'POST',
      path: '/rpc/get-configuration',
      headers: (ctx) => ({ accept: xmlFormat(ctx.options) ? 'application/xml' : 'text/plain', 'content-type': 'application/xml' }),
      expect: (ctx) => (xmlFormat(ctx.options) ? 'xml' : 'text'),
    },
    extract: (a, ctx) => {
      if (xmlFormat(ctx.options)) {
        const cfg = findFirst(a.xml!, 'configuration');
        if (!cfg) throw new Error('the answer has no <configuration> element');
        return renderXml(cfg);
      }
      // Some releases wrap text output in <configuration-text> even for text/plain.
      const m = /^\s*<configuration-text[^>]*>([\s\S]*)<\/configuration-text>\s*$/.exec(a.text);
      return m ? textOf(parseXml(`<t>${m[1]}</t>`)) : a.text;
    },
    canonical: (ctx) => (xmlFormat(ctx.options) ? 'xml' : 'text'),
  },
  factsFromConfig: (cfg) => {
    const m = /^version\s+"?([^";\s]+)"?;/m.exec(cfg);
    return m ? { osVersion: m[1] } : {};
  },
  facts: [
    {
      call: { method: 'POST', path: '/rpc/get-software-information', headers: { accept: 'application/xml' }, expect: 'xml' },
      extract: (a) => {
        const t = (n: string) => textOf(findFirst(a.xml!, n)).trim() || undefined;
        return { model: t('product-model'), osVersion: t('junos-version') };
      },
    },
    {
      call: { method: 'POST', path: '/rpc/get-chassis-inventory', headers: { accept: 'application/xml' }, expect: 'xml' },
      extract: (a) => {
        const chassis = findFirst(a.xml!, 'chassis');
        const sn = chassis ? chassis.children.find((c) => typeof c !== 'string' && c.name === 'serial-number') : undefined;
        return { serial: sn && typeof sn !== 'string' ? textOf(sn).trim() || undefined : undefined };
      },
    },
  ],
  inBandError: (a): InBandError | undefined => {
    if (!a.text.trimStart().startsWith('<')) return undefined;
    let root;
    try {
      root = a.xml ?? parseXml(a.text);
    } catch {
      return undefined;
    }
    const err = findFirst(root, 'rpc-error') ?? findFirst(root, 'error');
    if (!err || findFirst(root, 'configuration')) return undefined;
    const msg = textOf(findFirst(err, 'message') ?? findFirst(err, 'error-message') ?? err).trim().replace(/\s+/g, ' ');
    return { failureClass: /permission|denied|authoriz/i.test(msg) ? 'auth_failed' : 'command_rejected', message: `Junos RPC error: ${msg || 'no message'}` };
  },
  volatile: [/^## Last commit: /, /junos:commit-(seconds|localtime|user)=/],
};

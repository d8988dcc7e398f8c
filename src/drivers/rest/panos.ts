// Palo Alto Networks PAN-OS XML API: `type=export&category=configuration` returns the running
// configuration as an XML document; the key comes from options.apiKey or from
// `type=keygen` (user/password sent in a POST body, never in the URL). Facts from
// `show system info`.
import type { InBandError, RestProfile } from './types.ts';
import { attr, findFirst, textOf } from './xml.ts';

const keyInQuery = (o: Readonly<Record<string, unknown>>) => o.keyIn === 'query';

export const panos: RestProfile = {
  id: 'panos',
  aliases: ['paloalto', 'pan-os', 'panos-xmlapi'],
  vendor: 'Palo Alto Networks',
  api: 'PAN-OS XML API',
  defaultPort: 443,
  auth: {
    kind: 'apikey',
    header: 'X-PAN-KEY',
    keygen: {
      call: {
        method: 'POST',
        path: '/api/',
        query: { type: 'keygen' },
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: (ctx) => new URLSearchParams({ user: ctx.username ?? '', password: ctx.password ?? '' }).toString(),
        expect: 'xml',
      },
      extract: (a) => textOf(findFirst(a.xml!, 'key')).trim() || undefined,
    },
  },
  options: [
    { name: 'apiKey', description: 'API key; without it netkeep calls type=keygen with the credential profile' },
    { name: 'keyIn', description: 'header (X-PAN-KEY) or query (key=...)', default: 'header' },
  ],
  config: {
    call: {
      method: 'GET',
      path: '/api/',
      query: (ctx) => ({ type: 'export', category: 'configuration', key: keyInQuery(ctx.options) ? (ctx.state.apiKey as string) : undefined }),
      expect: 'xml',
    },
    extract: (a) => a.text,
    canonical: 'xml',
  },
  facts: [
    {
      call: { method: 'GET', path: '/api/', query: (ctx) => ({ type: 'op', cmd: '<show><system><info></info></system></show>', key: keyInQuery(ctx.options) ? (ctx.state.apiKey as string) : undefined }), expect: 'xml' },
      extract: (a) => {
        const t = (n: string) => textOf(findFirst(a.xml!, n)).trim() || undefined;
        return { model: t('model'), osVersion: t('sw-version'), serial: t('serial') };
      },
    },
  ],
  inBandError: (a): InBandError | undefined => {
    if (!a.xml || a.xml.name !== 'response' || attr(a.xml, 'status') !== 'error') return undefined;
    const msg = textOf(findFirst(a.xml, 'msg') ?? a.xml).trim().replace(/\s+/g, ' ') || 'no message';
    const code = attr(a.xml, 'code');
    if (code === '403' || /invalid credential|invalid key/i.test(msg)) return { failureClass: 'auth_failed', message: `PAN-OS refused the API key or credentials (${msg}); check the apiKey option or the credential profile` };
    return { failureClass: 'command_rejected', message: `PAN-OS error${code ? ` ${code}` : ''}: ${msg}` };
  },
};

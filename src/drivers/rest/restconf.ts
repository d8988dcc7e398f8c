// RESTCONF (RFC 8040): GET of the configuration data tree, in JSON (RFC 7951) or XML.
// Root discovery through /.well-known/host-meta (RFC 6415 XRD, `Link rel="restconf"`), as
// RFC 8040 §3.1 requires of clients; `root` skips it. Push (restore): PUT on the same resource.
import type { RestContext, RestProfile } from './types.ts';
import { attr, findAll } from './xml.ts';

export const RESTCONF_MEDIA = { json: 'application/yang-data+json', xml: 'application/yang-data+xml' } as const;

export const restconfFormat = (ctx: { options: Readonly<Record<string, unknown>> }): 'json' | 'xml' => (ctx.options.format === 'xml' ? 'xml' : 'json');

/** The data resource: {root}/data[/path]. */
export function restconfDataPath(ctx: RestContext): string {
  const root = String(ctx.options.root ?? ctx.state.root ?? '/restconf').replace(/\/+$/, '');
  const sub = typeof ctx.options.path === 'string' && ctx.options.path ? '/' + ctx.options.path.replace(/^\/+/, '') : '';
  return `${root}/data${sub}`;
}

export const restconf: RestProfile = {
  id: 'restconf',
  vendor: 'IETF (any RFC 8040 server: IOS XE, NX-OS, Junos, SR OS, EOS, ...)',
  api: 'RESTCONF (RFC 8040)',
  defaultPort: 443,
  auth: { kind: 'basic' },
  options: [
    { name: 'format', description: 'json (application/yang-data+json) or xml (application/yang-data+xml)', default: 'json' },
    { name: 'root', description: 'RESTCONF root, e.g. /restconf; skips /.well-known/host-meta discovery' },
    { name: 'path', description: 'a subtree under {root}/data, e.g. ietf-interfaces:interfaces', default: 'the whole datastore' },
    { name: 'content', description: 'RFC 8040 "content" query parameter: config, nonconfig or all', default: 'config' },
    { name: 'withDefaults', description: 'RFC 8040 "with-defaults" query parameter (report-all, trim, explicit)' },
  ],
  setup: [
    {
      when: (ctx) => !ctx.options.root,
      optional: true,
      noAuth: true,
      call: { method: 'GET', path: '/.well-known/host-meta', headers: { accept: 'application/xrd+xml' }, expect: 'xml' },
      use: (a, ctx) => {
        const link = findAll(a.xml!, 'Link').find((l) => attr(l, 'rel') === 'restconf');
        const href = attr(link, 'href');
        if (href) ctx.state.root = href.replace(/^https?:\/\/[^/]+/, '');
      },
    },
  ],
  config: {
    call: {
      method: 'GET',
      path: restconfDataPath,
      query: (ctx) => ({ content: String(ctx.options.content ?? 'config'), 'with-defaults': ctx.options.withDefaults as string | undefined }),
      headers: (ctx) => ({ accept: RESTCONF_MEDIA[restconfFormat(ctx)] }),
      expect: restconfFormat,
    },
    extract: (a) => a.text,
    canonical: restconfFormat,
  },
};

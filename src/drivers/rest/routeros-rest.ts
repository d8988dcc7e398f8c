// MikroTik RouterOS v7 REST API (www-ssl service): POST /rest/export runs the console
// `/export` and returns its script. The answer's shape differs across v7 releases (a JSON
// object or array with the text under "ret", or the text itself): all are accepted. The
// first line ("# 2024-01-02 10:11:12 by RouterOS 7.12") changes on every export and is dropped.
import type { RestProfile } from './types.ts';

function exportText(text: string): string {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch {
    return text;
  }
  if (typeof j === 'string') return j;
  const rets = (Array.isArray(j) ? j : [j]).map((x) => (x && typeof x === 'object' ? (x as { ret?: unknown }).ret : undefined));
  if (rets.length && rets.every((r) => typeof r === 'string')) return rets.join('\n');
  throw new Error('the /rest/export answer is JSON without the exported text ("ret")');
}

export const routerosRest: RestProfile = {
  id: 'routeros-rest',
  aliases: ['routeros', 'mikrotik-rest'],
  vendor: 'MikroTik',
  api: 'RouterOS v7 REST API',
  defaultPort: 443,
  auth: { kind: 'basic' },
  options: [
    { name: 'showSensitive', description: 'export with show-sensitive (RouterOS 7 hides secrets by default)', default: 'false' },
    { name: 'terse', description: 'export with terse (one line per item)', default: 'false' },
  ],
  config: {
    call: {
      method: 'POST',
      path: '/rest/export',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: (ctx) => {
        const args: Record<string, string> = {};
        if (ctx.options.showSensitive === true || ctx.options.showSensitive === 'true') args['show-sensitive'] = '';
        if (ctx.options.terse === true || ctx.options.terse === 'true') args.terse = '';
        return JSON.stringify(args);
      },
      expect: 'text',
    },
    extract: (a) => exportText(a.text),
    canonical: 'text',
  },
  factsFromConfig: (cfg) => {
    const g = (re: RegExp) => re.exec(cfg)?.[1]?.trim() || undefined;
    return { model: g(/^# model = (.+)$/m), serial: g(/^# serial number = (.+)$/m), osVersion: g(/^# \S+ \S+ by RouterOS (\S+)/m) };
  },
  facts: [
    {
      call: { method: 'GET', path: '/rest/system/resource', headers: { accept: 'application/json' }, expect: 'json' },
      extract: (a) => {
        const r = (Array.isArray(a.json) ? a.json[0] : a.json) as Record<string, string> | undefined;
        return { model: r?.['board-name'] || undefined, osVersion: r?.version?.replace(/\s*\(.*\)$/, '') || undefined };
      },
    },
  ],
  drop: [/^# \S+ \S+ by RouterOS .*$/],
};

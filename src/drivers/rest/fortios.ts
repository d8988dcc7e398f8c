// Fortinet FortiOS REST API: the monitor endpoint `system/config/backup` returns the full
// configuration file (text) for `scope=global` (or one VDOM). Auth: a REST API admin's token,
// as `Authorization: Bearer` (default) or the `access_token` query parameter. FortiOS up to
// 7.4 answers GET; newer releases want POST (option `method`).
import type { Facts } from '../types.ts';
import type { InBandError, RestProfile } from './types.ts';

export const fortios: RestProfile = {
  id: 'fortios',
  aliases: ['fortigate', 'fortios-rest'],
  vendor: 'Fortinet',
  api: 'FortiOS REST API (monitor/system/config/backup)',
  defaultPort: 443,
  auth: { kind: 'bearer', queryParam: 'access_token' },
  options: [
    { name: 'token', description: "REST API admin's token (else the credential profile's password)" },
    { name: 'tokenIn', description: 'header (Authorization: Bearer) or query (access_token=)', default: 'header' },
    { name: 'scope', description: 'global or vdom', default: 'global' },
    { name: 'vdom', description: 'the VDOM when scope is vdom' },
    { name: 'method', description: 'GET (FortiOS ≤ 7.4) or POST (newer)', default: 'GET' },
  ],
  config: {
    call: {
      method: (ctx) => (String(ctx.options.method ?? 'GET').toUpperCase() === 'POST' ? 'POST' : 'GET'),
      path: '/api/v2/monitor/system/config/backup',
      query: (ctx) => ({ scope: String(ctx.options.scope ?? 'global'), vdom: ctx.options.vdom as string | undefined }),
      expect: 'text',
    },
    extract: (a) => a.text,
    canonical: 'text',
  },
  factsFromConfig: (cfg): Facts => {
    // #config-version=FGT60F-7.2.5-FW-build1517-230606:opmode=0:vdom=0:user=api
    const m = /^#config-version=([A-Z0-9]+)-(\d+\.\d+\.\d+)-FW-build(\d+)/m.exec(cfg);
    return m ? { model: m[1], osVersion: `${m[2]} build${m[3]}` } : {};
  },
  facts: [
    {
      call: { method: 'GET', path: '/api/v2/monitor/system/status', expect: 'json' },
      extract: (a) => {
        const j = a.json as { serial?: string; version?: string; build?: number; results?: { model?: string } };
        return { serial: j.serial, model: j.results?.model, osVersion: j.version ? `${j.version.replace(/^v/, '')}${j.build ? ` build${j.build}` : ''}` : undefined };
      },
    },
  ],
  inBandError: (a): InBandError | undefined => {
    // The backup is text; a JSON answer is FortiOS's error envelope.
    const j = (a.json ?? (a.contentType === 'application/json' ? safeJson(a.text) : undefined)) as { status?: string; http_status?: number; error?: unknown } | undefined;
    if (!j || j.status !== 'error') return undefined;
    if (j.http_status === 401 || j.http_status === 403) return { failureClass: 'auth_failed', message: `FortiOS refused the token (HTTP ${j.http_status}); check the token, its trusted hosts and the admin profile` };
    return { failureClass: 'command_rejected', message: `FortiOS error ${j.http_status ?? ''} ${j.error ?? ''}`.trim() };
  },
  // The file header changes with every save/export; FortiOS re-encrypts secrets with a fresh salt on each export.
  volatile: [/^#conf_file_ver=/, /^#config-version=/, /^\s*set \S+ ENC \S+/],
};

function safeJson(t: string): unknown {
  try {
    return JSON.parse(t);
  } catch {
    return undefined;
  }
}

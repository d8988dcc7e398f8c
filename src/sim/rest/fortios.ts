// FortiOS REST API simulator: GET (≤ 7.4) or POST /api/v2/monitor/system/config/backup with
// scope=global|vdom, /api/v2/monitor/system/status; token as `Authorization: Bearer` or
// `access_token`. Like a real FortiGate, every backup has a new #conf_file_ver and secrets
// re-encrypted with a fresh salt (ENC ...).
import { randomBytes } from 'node:crypto';
import type { SimRequest, SimResponse, SimVendor, SimVendorContext } from './server.ts';
import { json, text } from './server.ts';

export function fortiConfig(): string {
  const enc = () => `ENC ${randomBytes(24).toString('base64')}`;
  return `#config-version=FGT60F-7.2.5-FW-build1517-230606:opmode=0:vdom=0:user=netkeep
#conf_file_ver=${randomBytes(6).readUIntBE(0, 6)}
#buildno=1517
#global_vdom=1
config system global
    set alias "FortiGate-60F"
    set hostname "fw1"
    set timezone 28
end
config system admin
    edit "admin"
        set accprofile "super_admin"
        set vdom "root"
        set password ${enc()}
    next
end
config system interface
    edit "wan1"
        set vdom "root"
        set ip 198.51.100.2 255.255.255.0
        set allowaccess ping https
    next
end
config firewall policy
    edit 1
        set name "lan-out"
        set srcintf "internal"
        set dstintf "wan1"
        set action accept
        set schedule "always"
        set service "ALL"
    next
end
`;
}

export const fortiosSim: SimVendor = {
  id: 'fortios',
  init: () => ({}),
  handle(req: SimRequest, ctx: SimVendorContext): SimResponse {
    const bearer = /^Bearer\s+(\S+)$/i.exec(String(req.headers.authorization ?? ''))?.[1];
    const token = bearer ?? req.query.get('access_token');
    if (token !== ctx.auth.token) return { status: 401, headers: { 'content-type': 'text/html' }, body: '' };
    if (req.path === '/api/v2/monitor/system/config/backup') {
      if (req.method !== 'GET' && req.method !== 'POST') return json(405, { http_status: 405, status: 'error' });
      const scope = req.query.get('scope') ?? (req.method === 'POST' ? (JSON.parse(req.body || '{}') as { scope?: string }).scope : undefined);
      if (scope !== 'global' && scope !== 'vdom') return json(400, { http_method: req.method, http_status: 400, status: 'error', error: -5, name: 'backup', path: 'system/config' });
      return { status: 200, headers: { 'content-type': 'text/plain', 'content-disposition': 'attachment; filename="fw1.conf"' }, body: fortiConfig() };
    }
    if (req.path === '/api/v2/monitor/system/status') {
      return json(200, { http_method: 'GET', results: { model_name: 'FortiGate', model_number: '60F', model: 'FGT60F', hostname: 'fw1' }, vdom: 'root', path: 'system', name: 'status', status: 'success', serial: 'FGT60FTK2000XXXX', version: 'v7.2.5', build: 1517 });
    }
    return text(404, '');
  },
};

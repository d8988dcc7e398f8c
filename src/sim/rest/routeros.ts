// RouterOS v7 REST API simulator: POST /rest/export (the console export, with a timestamp
// header that changes on every call), GET /rest/system/resource; basic auth; RouterOS's JSON
// error body ({"error":401,"message":"Unauthorized"}).
import type { SimRequest, SimResponse, SimVendor, SimVendorContext } from './server.ts';
import { json } from './server.ts';

export function routerosExport(sensitive: boolean): string {
  const now = new Date().toISOString().replace('T', ' ').slice(0, 19);
  return `# ${now} by RouterOS 7.15.3
# software id = ABCD-1234
#
# model = RB5009UG+S+
# serial number = HCY08ABCDEF
/interface bridge
add admin-mac=48:A9:8A:00:00:01 auto-mac=no comment=defconf name=bridge
/interface wireguard
add listen-port=13231 mtu=1420 name=wg0${sensitive ? ' private-key="c2VjcmV0LWtleQ=="' : ''}
/ip address
add address=192.168.88.1/24 comment=defconf interface=bridge network=192.168.88.0
/system identity
set name=rtr1
`;
}

export const routerosSim: SimVendor = {
  id: 'routeros-rest',
  init: () => ({}),
  handle(req: SimRequest, ctx: SimVendorContext): SimResponse {
    if (!req.path.startsWith('/rest/')) return { status: 404, headers: { 'content-type': 'text/html' }, body: '<html><body>not found</body></html>' };
    if (!ctx.basicOk(req)) return json(401, { error: 401, message: 'Unauthorized' });
    if (req.path === '/rest/export' && req.method === 'POST') {
      let args: Record<string, unknown> = {};
      try {
        args = req.body ? (JSON.parse(req.body) as Record<string, unknown>) : {};
      } catch {
        return json(400, { error: 400, message: 'Bad Request', detail: 'JSON parse error' });
      }
      return json(200, { ret: routerosExport('show-sensitive' in args) });
    }
    if (req.path === '/rest/system/resource' && req.method === 'GET') {
      return json(200, { 'architecture-name': 'arm64', 'board-name': 'RB5009UG+S+', platform: 'MikroTik', uptime: `${Math.floor(Math.random() * 100)}m`, version: '7.15.3 (stable)' });
    }
    return json(400, { error: 400, message: 'Bad Request', detail: 'no such command' });
  },
};

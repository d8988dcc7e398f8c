// Arista eAPI simulator: POST /command-api, JSON-RPC 2.0 `runCmds` (version 1, format json or
// text), basic auth, JSON-RPC errors for unknown commands (code 1002, as EOS reports them).
import type { SimRequest, SimResponse, SimVendor, SimVendorContext } from './server.ts';
import { json, text } from './server.ts';

export const EOS_RUNNING_CONFIG = `! Command: show running-config
! device: leaf1 (DCS-7050SX3-48YC8, EOS-4.30.1F)
!
! boot system flash:/EOS-4.30.1F.swi
!
no aaa root
!
username admin privilege 15 role network-admin secret sha512 $6$abcdefgh$hash
!
hostname leaf1
ip name-server vrf default 192.0.2.53
!
spanning-tree mode mstp
!
interface Ethernet1
   description uplink-spine1
   no switchport
   ip address 10.0.0.1/31
!
interface Management1
   ip address 192.0.2.10/24
!
ip routing
!
management api http-commands
   no shutdown
!
end
`;

const VERSION = { modelName: 'DCS-7050SX3-48YC8', version: '4.30.1F', serialNumber: 'JPE20481234', systemMacAddress: '00:1c:73:00:00:01', hardwareRevision: '11.01', architecture: 'x86_64', uptime: 0 };

export const eapiSim: SimVendor = {
  id: 'eapi',
  init: () => ({ runningConfig: EOS_RUNNING_CONFIG }),
  handle(req: SimRequest, ctx: SimVendorContext): SimResponse {
    if (req.path !== '/command-api') return text(404, 'Not Found');
    if (!ctx.basicOk(req)) return { status: 401, headers: { 'content-type': 'text/html', 'www-authenticate': 'Basic realm="eAPI"' }, body: '<html><head><title>401 Unauthorized</title></head><body>Unauthorized</body></html>' };
    if (req.method !== 'POST') return text(405, 'Method Not Allowed');
    let rpc: { jsonrpc?: string; method?: string; id?: unknown; params?: { version?: number; cmds?: unknown[]; format?: string } };
    try {
      rpc = JSON.parse(req.body);
    } catch {
      return json(200, { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } });
    }
    const id = rpc.id ?? null;
    if (rpc.jsonrpc !== '2.0' || rpc.method !== 'runCmds' || !Array.isArray(rpc.params?.cmds)) return json(200, { jsonrpc: '2.0', id, error: { code: -32600, message: 'Invalid request' } });
    const format = rpc.params.format ?? 'json';
    const cmds = rpc.params.cmds;
    const result: unknown[] = [];
    for (const [i, c] of cmds.entries()) {
      const cmd = typeof c === 'string' ? c : String((c as { cmd?: string }).cmd ?? '');
      const uptime = (ctx.state.uptime = Number(ctx.state.uptime ?? 0) + 1);
      if (cmd === 'enable') result.push(format === 'text' ? { output: '' } : {});
      else if (cmd === 'show running-config' && format === 'text') result.push({ output: ctx.state.runningConfig });
      else if (cmd === 'show version') result.push(format === 'text' ? { output: `Arista ${VERSION.modelName}\nSoftware image version: ${VERSION.version}\nSerial number: ${VERSION.serialNumber}\nUptime: ${uptime} minutes\n` } : { ...VERSION, uptime });
      else {
        return json(200, {
          jsonrpc: '2.0',
          id,
          error: { code: 1002, message: `CLI command ${i + 1} of ${cmds.length} '${cmd}' failed: invalid command`, data: [...result, { errors: [`Invalid input (at token 0: '${cmd.split(' ')[0]}')`] }] },
        });
      }
    }
    return json(200, { jsonrpc: '2.0', id, result });
  },
};

// PAN-OS XML API simulator: /api/ with type=keygen (user/password in the query or a form
// body), type=export&category=configuration, type=op `show system info`; the key in the
// X-PAN-KEY header or the `key` parameter; PAN-OS's own response envelopes and error codes
// (403 "Invalid credentials."), with its `status = 'success'` spacing.
import type { SimRequest, SimResponse, SimVendor, SimVendorContext } from './server.ts';
import { xml } from './server.ts';

export const PANOS_CONFIG = `<?xml version="1.0"?>
<config version="10.2.0" urldb="paloaltonetworks" detail-version="10.2.4">
  <mgt-config>
    <users>
      <entry name="admin">
        <phash>$5$abcdefgh$hashhashhash</phash>
        <permissions><role-based><superuser>yes</superuser></role-based></permissions>
      </entry>
    </users>
  </mgt-config>
  <shared>
    <address>
      <entry name="web-srv"><ip-netmask>192.0.2.80/32</ip-netmask><description>web &amp; api</description></entry>
    </address>
  </shared>
  <devices>
    <entry name="localhost.localdomain">
      <deviceconfig><system><hostname>pa-fw1</hostname><ip-address>192.0.2.20</ip-address></system></deviceconfig>
      <vsys>
        <entry name="vsys1">
          <rulebase><security><rules>
            <entry name="allow-web"><from><member>untrust</member></from><to><member>dmz</member></to><destination><member>web-srv</member></destination><action>allow</action></entry>
          </rules></security></rulebase>
        </entry>
      </vsys>
    </entry>
  </devices>
</config>
`;

const err = (status: number, code: string, msg: string): SimResponse => xml(status, `<response status = 'error' code = '${code}'><result><msg>${msg}</msg></result></response>`);

export const panosSim: SimVendor = {
  id: 'panos',
  init: () => ({ config: PANOS_CONFIG }),
  handle(req: SimRequest, ctx: SimVendorContext): SimResponse {
    if (req.path !== '/api/' && req.path !== '/api') return xml(404, '<html><body>Not Found</body></html>', 'text/html');
    const p = new URLSearchParams(req.query);
    if (req.method === 'POST' && /x-www-form-urlencoded/.test(String(req.headers['content-type'] ?? ''))) for (const [k, v] of new URLSearchParams(req.body)) p.set(k, v);
    const type = p.get('type');
    if (type === 'keygen') {
      if (p.get('user') !== ctx.auth.username || p.get('password') !== ctx.auth.password) return err(403, '403', 'Invalid Credential');
      return xml(200, `<response status = 'success'><result><key>${ctx.auth.apiKey}</key></result></response>`);
    }
    const key = String(req.headers['x-pan-key'] ?? p.get('key') ?? '');
    if (key !== ctx.auth.apiKey) return err(403, '403', 'Invalid credentials.');
    if (type === 'export' && p.get('category') === 'configuration') return xml(200, String(ctx.state.config));
    if (type === 'op' && /^<show><system><info>\s*<\/info><\/system><\/show>$/.test(p.get('cmd') ?? '')) {
      return xml(
        200,
        `<response status="success"><result><system><hostname>pa-fw1</hostname><ip-address>192.0.2.20</ip-address><model>PA-440</model><serial>012801234567</serial><sw-version>10.2.4</sw-version><uptime>0 days, 0:0${Math.floor(Math.random() * 10)}:00</uptime></system></result></response>`,
      );
    }
    return xml(200, `<response status="error" code="17"><msg><line>server error : type ${type} is not supported here</line></msg></response>`);
  },
};

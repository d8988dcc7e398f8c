// Junos REST API simulator (`system services rest https`): POST (or GET) /rpc/<rpc-name>
// with basic auth; get-configuration answers text for `Accept: text/plain` and XML otherwise;
// get-software-information and get-chassis-inventory in XML.
import type { SimRequest, SimResponse, SimVendor, SimVendorContext } from './server.ts';
import { text, xml } from './server.ts';

export const JUNOS_TEXT = `## Last commit: 2026-11-01 10:00:00 UTC by admin
version 21.4R3-S5;
system {
    host-name mx1;
    root-authentication {
        encrypted-password "$6$abc$hash"; ## SECRET-DATA
    }
    services {
        ssh;
        rest {
            https {
                port 3443;
            }
        }
    }
}
interfaces {
    ge-0/0/0 {
        description "uplink & core";
        unit 0 {
            family inet {
                address 192.0.2.1/31;
            }
        }
    }
}
`;

export const JUNOS_XML = `<configuration xmlns:junos="http://xml.juniper.net/junos/21.4R3/junos" junos:commit-seconds="1793527200" junos:commit-localtime="2026-11-01 10:00:00 UTC" junos:commit-user="admin">
    <version>21.4R3-S5</version>
    <system>
        <host-name>mx1</host-name>
        <services><ssh/></services>
    </system>
    <interfaces>
        <interface>
            <name>ge-0/0/0</name>
            <description>uplink &amp; core</description>
            <unit><name>0</name><family><inet><address><name>192.0.2.1/31</name></address></inet></family></unit>
        </interface>
    </interfaces>
</configuration>
`;

export const junosSim: SimVendor = {
  id: 'junos-rest',
  init: () => ({}),
  handle(req: SimRequest, ctx: SimVendorContext): SimResponse {
    const m = /^\/rpc\/([\w-]+)(@.*)?$/.exec(req.path);
    if (!m) return text(404, 'Not Found');
    if (!ctx.basicOk(req)) return { status: 401, headers: { 'content-type': 'text/html', 'www-authenticate': 'Basic realm="JUNOS Web Management"' }, body: '<html><body>401 Unauthorized</body></html>' };
    const accept = String(req.headers.accept ?? 'application/xml');
    const wantText = /text\/plain/.test(accept) || /@format=text/.test(req.path);
    switch (m[1]) {
      case 'get-configuration':
        return wantText ? text(200, JUNOS_TEXT) : xml(200, JUNOS_XML);
      case 'get-software-information':
        return xml(200, '<software-information><host-name>mx1</host-name><product-model>mx204</product-model><product-name>mx204</product-name><junos-version>21.4R3-S5</junos-version></software-information>');
      case 'get-chassis-inventory':
        return xml(200, '<chassis-inventory xmlns="http://xml.juniper.net/junos/21.4R3/junos-chassis"><chassis junos:style="inventory" xmlns:junos="http://xml.juniper.net/junos/21.4R3/junos"><name>Chassis</name><serial-number>JN1234567AB</serial-number><description>MX204</description></chassis></chassis-inventory>');
      default:
        return xml(200, `<rpc-error><error-severity>error</error-severity><error-message>syntax error, expecting &lt;rpc&gt;: ${m[1]}</error-message></rpc-error>`);
    }
  },
};

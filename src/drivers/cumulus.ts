// NVIDIA Cumulus Linux. Port of Oxidized's `cumulus` model: NVUE, NCLU or a dump of the
// relevant files (default), chosen by driver options.

import type { Driver, DriverContext } from './types.ts';
import { dropFirstLast, ESC_CODES, gsub, LINUX_SU_ENABLE, rb } from './helpers.ts';

const header = (title: string) => `\n###### ${title} ######\n`;

async function dump(ctx: DriverContext): Promise<string> {
  if (ctx.vars.cumulus_use_nclu) return ctx.cmd('net show configuration commands');
  if (ctx.vars.cumulus_use_nvue) return ctx.cmd('nv config show --color off');
  const d = String(ctx.vars.cumulus_routing_daemon ?? 'quagga').toLowerCase();
  const D = d.toUpperCase();
  const files: [string, string][] = [
    ['THE HOSTNAME', 'cat /etc/hostname'],
    ['THE HOSTS', 'cat /etc/hosts'],
    ['THE INTERFACES', 'grep -r "" /etc/network/interface* | cut -d "/" -f 4-'],
    ['RESOLV.CONF', 'cat /etc/resolv.conf'],
    ['NTP.CONF', 'cat /etc/ntp.conf'],
    ['SNMP settings', 'cat /etc/snmp/snmpd.conf'],
    [`${D} DAEMONS`, `cat /etc/${d}/daemons`],
    [`${D} ZEBRA`, `cat /etc/${d}/zebra.conf`],
    [`${D} BGP`, `cat /etc/${d}/bgpd.conf`],
    [`${D} OSPF`, `cat /etc/${d}/ospfd.conf`],
    [`${D} OSPF6`, `cat /etc/${d}/ospf6d.conf`],
    [`${D} CONF`, `cat /etc/${d}/${d === 'frr' ? 'frr.conf' : 'Quagga.conf'}`],
    ['MOTD', 'cat /etc/motd'],
    ['PASSWD', 'cat /etc/passwd'],
    ['SWITCHD', 'cat /etc/cumulus/switchd.conf'],
    ['PORTS', 'cat /etc/cumulus/ports.conf; echo'],
    ['TRAFFIC', 'cat /etc/cumulus/datapath/traffic.conf'],
    ['ACL', 'cat /etc/cumulus/acl/policy.conf'],
    ['DHCP-RELAY', 'cat /etc/default/isc-dhcp-relay'],
    ['VERSION', 'cat /etc/cumulus/etc.replace/os-release'],
    ['License', 'cl-license'],
  ];
  let cfg = '';
  for (const [title, command] of files) {
    cfg += header(title);
    cfg += await ctx.cmd(command);
  }
  return cfg;
}

export const cumulus: Driver = {
  id: 'cumulus',
  aliases: ['cumulus-linux', 'nvue'],
  vendor: 'NVIDIA',
  platform: 'Cumulus Linux',
  protocols: ['ssh', 'telnet'],
  mode: 'shell',
  prompt: rb(String.raw`^[\w.-]+@[\w.-]+(:mgmt)?:?~[#$] ?$`),
  comment: '# ',
  login: { username: rb('^Username:'), password: rb('^Password:') },
  enable: LINUX_SU_ENABLE,
  expect: [{ pattern: ESC_CODES }],
  teardown: ['exit'],
  cleanup: [(cfg) => dropFirstLast(cfg)],
  commands: [{ label: 'configuration (NVUE, NCLU or files)', phase: 'pre', run: dump }],
  options: {
    cumulus_use_nvue: { type: 'boolean', description: 'back up `nv config show` (Cumulus 5.x NVUE)' },
    cumulus_use_nclu: { type: 'boolean', description: 'back up `net show configuration commands` (NCLU)' },
    cumulus_routing_daemon: { type: 'string', description: '`frr` or `quagga` (default) for the file dump' },
    enable: { type: 'boolean|string', description: 'true: `sudo su -` with the login password; a string: `su -` with that password' },
  },
  secrets: [gsub(rb(String.raw`password (\S+)`), 'password <hidden>')],
  restore: { method: 'replace', notes: 'nv config apply (NVUE) or files' },
};

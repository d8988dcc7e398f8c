// Generic Linux host. Written for netkeep in the spirit of Oxidized's `linuxgeneric`
// model (a dump of the usual files); only its prompt is covered by a recording.

import type { Driver, DriverContext } from './types.ts';
import { dropFirstLast, ESC_CODES, gsub, LINUX_SU_ENABLE, rb } from './helpers.ts';

const FILES: [string, string][] = [
  ['THE HOSTNAME', 'cat /etc/hostname'],
  ['THE HOSTS', 'cat /etc/hosts'],
  ['THE INTERFACES', 'ip link'],
  ['RESOLV.CONF', 'cat /etc/resolv.conf'],
  ['IP Routes', 'ip route'],
  ['IPv6 Routes', 'ip -6 route'],
  ['MOTD', 'cat /etc/motd'],
  ['PASSWD', 'cat /etc/passwd'],
  ['GROUP', 'cat /etc/group'],
  ['nsswitch.conf', 'cat /etc/nsswitch.conf'],
  ['VERSION', 'cat /etc/os-release'],
];

async function dump(ctx: DriverContext): Promise<string> {
  let cfg = '';
  for (const [title, command] of FILES) cfg += `\n###### ${title} ######\n` + (await ctx.cmd(command));
  return cfg;
}

export const linuxgeneric: Driver = {
  id: 'linuxgeneric',
  aliases: ['linux'],
  vendor: 'Linux',
  platform: 'Generic Linux host',
  protocols: ['ssh', 'telnet'],
  mode: 'shell',
  // "user@host:~$ ", "root@host:/etc# "; not "host login: " nor "Password: "
  prompt: rb(String.raw`^[\w.-]+@[\w.-]+(:\S*)?[#$] ?$`),
  comment: '# ',
  login: { username: rb(String.raw`login:\s*$`), password: rb(String.raw`^Password:\s*$`) },
  enable: LINUX_SU_ENABLE,
  expect: [{ pattern: ESC_CODES }],
  teardown: ['exit'],
  cleanup: [(cfg) => dropFirstLast(cfg)],
  commands: [{ label: 'files', phase: 'pre', run: dump }],
  // The password field of passwd/group lines only ("name:x:uid:" / "name:x:gid:"). The former rule
  // (any "a:b:" at a line start) also rewrote `ip link` lines ("2: eth0: ...") and IPv6 routes
  // and host entries ("2001:db8::/64", "ff02::1") in every command's output.
  secrets: [gsub(rb(String.raw`^([A-Za-z_][\w.-]*\$?):[^:\n]*:(?=\d+:)`), '$1:<secret hidden>:')],
  notes: 'Prompt verified against recorded prompts only; commands not yet verified on a recording.',
};

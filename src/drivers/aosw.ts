// Aruba ArubaOS (AOS-W) controllers, Mobility Access Switches. Port of Oxidized's `aosw`.

import type { Driver } from './types.ts';
import { commentLines, dropFirstLast, gsub, lines, matches, rb, rejectLines, rstripLines, strip } from './helpers.ts';

const C = '# ';
const UNSUPPORTED = rb(String.raw`(Invalid input detected at '\^' marker|Parse error)`);

function unsupported(cfg: string): string {
  return matches(UNSUPPORTED, cfg) ? '' : cfg;
}

function clean(cfg: string): string {
  const kept = rejectLines(
    cfg,
    rb(String.raw`Output \d Config`, 'i'),
    rb(String.raw`(Tachometers|Temperatures|Voltages)`),
    rb(String.raw`((Card|CPU) Temperature|Chassis Fan|VMON1[0-9])`),
    rb(String.raw`[0-9.]{1,6}\s+(RPMS?|m?V|C|W)`, 'i'),
  );
  return commentLines(lines(kept).map(strip).join('\n'), C) + '\n';
}

const info = (cfg: string) => rstripLines(commentLines(unsupported(cfg), C));

export const aosw: Driver = {
  id: 'aosw',
  aliases: ['arubaos', 'aos-w'],
  vendor: 'HPE Aruba',
  platform: 'ArubaOS (AOS-W) controllers',
  protocols: ['ssh', 'telnet'],
  mode: 'shell',
  prompt: rb(String.raw`^\(?[\w:.@-]+\)? ?[*^]?(\[[\w\/]+\] ?)?[#>] ?$`),
  comment: C,
  login: { username: rb(String.raw`^User:\s*`), password: rb(String.raw`^Password:\s*`) },
  enable: { command: 'enable', order: 'before', teardown: ['exit'] },
  expect: [{ pattern: /\r/g }],
  setup: ['no paging', 'encrypt disable'],
  teardown: ['exit'],
  cleanup: [(cfg) => dropFirstLast(cfg)],
  commands: [
    {
      command: 'show version',
      process: (cfg) => rstripLines(commentLines(rejectLines(cfg, rb(String.raw`(Switch|AP) uptime`, 'i'), rb('Reboot Time and Cause', 'i')), C)),
    },
    { command: 'show inventory', process: (cfg) => rstripLines(clean(unsupported(cfg))) },
    { command: 'show slots', process: info },
    { command: 'show license', process: info },
    { command: 'show license passphrase', process: info },
    {
      command: 'show running-config',
      process: (cfg) => rstripLines(rejectLines(cfg, rb(String.raw`^controller config \d+$`), rb('^Building Configuration'))),
    },
  ],
  facts: [
    { fact: 'model', command: 'show version', pattern: rb(String.raw`\(MODEL: ([^)]+)\)`) },
    { fact: 'osVersion', command: 'show version', pattern: rb(String.raw`\(MODEL: [^)]+\), Version (\S+)`) },
    { fact: 'serial', command: 'show inventory', pattern: rb(String.raw`System Serial#\s*:\s*(\S+)`) },
  ],
  secrets: [
    gsub(rb(String.raw`secret (\S+)\s?$`), 'secret <secret removed>'),
    gsub(rb(String.raw`enable secret (\S+)\s?$`), 'enable secret <secret removed>'),
    gsub(rb(String.raw`PRE-SHARE (\S+)\s?$`), 'PRE-SHARE <secret removed>'),
    gsub(rb(String.raw`ipsec (\S+)\s?$`), 'ipsec <secret removed>'),
    gsub(rb(String.raw`community (\S+)\s?$`), 'community <secret removed>'),
    gsub(rb(String.raw` sha (\S+)`), ' sha <secret removed>'),
    gsub(rb(String.raw` des (\S+)`), ' des <secret removed>'),
    gsub(rb(String.raw`mobility-manager (\S+) user (\S+) (\S+)`), 'mobility-manager $1 user $2 <secret removed>'),
    gsub(rb(String.raw`mgmt-user (\S+) (root|guest-provisioning|network-operations|read-only|location-api-mgmt) (\S+)\s?$`), 'mgmt-user $1 $2 <secret removed>'),
    gsub(rb(String.raw`mgmt-user (\S+) (\S+)( (read-only|guest-mgmt))?\s?$`), 'mgmt-user $1 <secret removed> $3'),
    gsub(rb(String.raw`key (\S+)\s?$`), 'key <secret removed>'),
    gsub(rb(String.raw`vrrp-passphrase (\S+)\s?$`), 'vrrp-passphrase <secret removed>'),
    gsub(rb(String.raw`wpa-passphrase (\S+)\s?$`), 'wpa-passphrase <secret removed>'),
    gsub(rb(String.raw`bkup-passwords (\S+)\s?$`), 'bkup-passwords <secret removed>'),
    gsub(rb(String.raw`ap-console-password (\S+)\s?$`), 'ap-console-password <secret removed>'),
    gsub(rb(String.raw`virtual-controller-key (\S+)\s?$`), 'virtual-controller-key <secret removed>'),
  ],
  restore: { method: 'merge' },
};

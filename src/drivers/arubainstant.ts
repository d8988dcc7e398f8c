// HPE Aruba Instant (IAP / virtual controller). Port of Oxidized's `arubainstant`.

import type { Driver } from './types.ts';
import { commentLines, dropFirstLast, gsub, lines, rb, rejectLines } from './helpers.ts';

const C = '# ';

const APS = rb(
  String.raw`^(?'Name'(?:.+?|-{2,})\s{2,})  # \s{2,} = separator between columns
       (?'IPv4'(?:
         IP\ Address|-{2,}|          # Header
         (?:\d+\.){3}\S+             # Match an IPv4 to catch AP-Names with two spaces
       )\s{2,})
       (?:(?:.+?|-{2,})\s{2,}){3}    # Ignore Mode, Spectrum, Clients
       (?'Type'(?:.+?|-{2,})\s{2,})
       (?'IPv6'(?:.+?|-{2,})\s{2,})
       (?:(?:.+?|-{2,})\s{2,})       # Ignore Mesh Role
       (?'Zone'(?:.+?|-{2,})\s{2,})
       (?'Serial'(?:.+?|-{2,}))
       \s{2,}                        # Last separator
       .*$                           # Ignore the rest
       `,
  'x',
);

export const arubainstant: Driver = {
  id: 'arubainstant',
  aliases: ['aruba-instant', 'iap'],
  vendor: 'HPE Aruba',
  platform: 'Aruba Instant (IAP / virtual controller)',
  protocols: ['ssh', 'telnet'],
  mode: 'shell',
  prompt: rb(String.raw`^ ?[\w:.@-]+[#>] $`),
  comment: C,
  login: { username: rb(String.raw`^User:\s*`), password: rb(String.raw`^Password:\s*`) },
  enable: { command: 'enable', passwordPrompt: rb('^[pP]assword:'), teardown: ['exit'] },
  teardown: ['exit'],
  cleanup: [(cfg) => dropFirstLast(cfg)],
  commands: [
    {
      command: 'show version',
      process: (cfg) => commentLines(rejectLines(cfg, rb('^(Switch|AP) uptime is '), rb('^Reboot Time and Cause')), C),
    },
    {
      command: 'show activate status',
      process: (cfg) => commentLines(rejectLines(cfg, rb('^Activate '), rb('^Provision interval'), rb('^Cloud Activation Key')) + '\n', C),
    },
    {
      command: 'show aps',
      process: (cfg) =>
        commentLines(lines(cfg).map((l) => l.replace(APS, '$<Name>$<IPv4>$<Type>$<IPv6>$<Zone>$<Serial>')).join('') + '\n', C),
    },
    { command: 'show running-config no-encrypt' },
  ],
  facts: [
    { fact: 'model', command: 'show version', pattern: rb(String.raw`\(MODEL: ([^)]+)\)`) },
    { fact: 'osVersion', command: 'show version', pattern: rb(String.raw`\(MODEL: [^)]+\), Version (\S+)`) },
    { fact: 'serial', command: 'show version', pattern: rb(String.raw`IAP Serial Number\s*:\s*(\S+)`) },
  ],
  secrets: [
    gsub(rb(String.raw`ipsec (\S+)$`), 'ipsec <secret removed>'),
    gsub(rb(String.raw`community (\S+)$`), 'community <secret removed>'),
    gsub(rb(String.raw`^(snmp-server host [\d.]+ version 2c) \S+ (.*)$`), '$1 <secret removed> $2'),
    gsub(rb(String.raw`mgmt-user (\S+) (root|guest-provisioning|network-operations|read-only|location-api-mgmt) (\S+)$`), 'mgmt-user $1 $2 <secret removed>'),
    gsub(rb(String.raw`mgmt-user (\S+) (\S+)( (read-only|guest-mgmt))?$`), 'mgmt-user $1 <secret removed> $3'),
    gsub(rb(String.raw`key (\S+)$`), 'key <secret removed>'),
    gsub(rb(String.raw`wpa-passphrase (\S+)$`), 'wpa-passphrase <secret removed>'),
    gsub(rb(String.raw`bkup-passwords (\S+)$`), 'bkup-passwords <secret removed>'),
    gsub(rb(String.raw`user (\S+) (\S+) (\S+)$`), 'user $1 <secret removed> $3'),
    gsub(rb(String.raw`virtual-controller-key (\S+)$`), 'virtual-controller-key <secret removed>'),
    gsub(rb(String.raw`^(hash-mgmt-user .* password \S+) \S+( usertype .*)?$`), '$1 <secret removed>$2'),
  ],
  restore: { method: 'merge' },
};

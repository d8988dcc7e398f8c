// Cisco Firepower Threat Defense (FireLinux OS). Port of Oxidized's `firelinuxos`.

import type { Driver } from './types.ts';
import { commentLines, dropFirstLast, gsub, rb, rejectLines, sliceLines } from './helpers.ts';

const C = '! ';

export const firelinuxos: Driver = {
  id: 'firelinuxos',
  aliases: ['ftd', 'firepower'],
  vendor: 'Cisco',
  platform: 'Firepower Threat Defense (FireLinux OS)',
  protocols: ['ssh'],
  mode: 'shell',
  prompt: rb(String.raw`^[#>]\(?.+\)? ?$`),
  comment: C,
  expect: [{ pattern: rb(String.raw`^Syntax error: .*\n.*$`), send: '\x15\n' }],
  teardown: ['exit'],
  cleanup: [
    (cfg) => cfg.replace(rb(String.raw`^% Invalid input detected at '\^' marker\.$|^\s+\^$`, 'g'), ''),
    (cfg) => cfg.replace(rb(String.raw`\e\[[0-?]*[ -\/]*[@-~]\r?`, 'g'), ''),
    (cfg) => dropFirstLast(cfg),
  ],
  commands: [
    { command: 'show version system', process: (cfg) => commentLines(rejectLines(cfg, rb(String.raw`(\s+up\s+\d+\s+)|(.*days.*)`)), C) },
    { command: 'show inventory', process: (cfg) => commentLines(cfg, C) },
    { command: 'show running-config all', process: (cfg) => sliceLines(cfg, 3).replace(rb(String.raw`^: [^\n]*\n`, 'g'), '') },
  ],
  facts: [
    { fact: 'model', command: 'show version system', pattern: rb(String.raw`^Model\s*:\s*(.+?) \(\d+\) Version`) },
    { fact: 'osVersion', command: 'show version system', pattern: rb(String.raw`^Model\s*:[^\n]* Version (\S+)`) },
  ],
  secrets: [
    gsub(rb(String.raw`enable password (\S+) (.*)`), 'enable password <secret hidden> $2'),
    gsub(rb(String.raw`username (\S+) password (\S+) (.*)`), 'username $1 password <secret hidden> $3'),
    gsub(rb(String.raw`(ikev[12] ((remote|local)-authentication )?pre-shared-key) (\S+)`), '$1 <secret hidden>'),
    gsub(rb(String.raw`^(aaa-server TACACS\+? \(\S+\) host.*\n\skey) \S+$`, 'mi'), '$1 <secret hidden>'),
    gsub(rb(String.raw`ldap-login-password (\S+)`), 'ldap-login-password <secret hidden>'),
    gsub(rb(String.raw`^snmp-server host (.*) community (\S+)`), 'snmp-server host $1 community <secret hidden>'),
  ],
};

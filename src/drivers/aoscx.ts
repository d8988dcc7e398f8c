// HPE Aruba AOS-CX. Port of Oxidized's `aoscx` model (output compatible).

import type { Driver, TextRule } from './types.ts';
import { applyRules, commentLines, dropFirstLast, ESC_CODES, gsub, rb, rejectLines } from './helpers.ts';

const C = '! ';

const SECTIONS: [string, TextRule[]][] = [
  ['fan', [gsub(rb(String.raw`^((?:\S+ +){3})(slow  |normal|medium|fast  |max   |N\/A   ) (.*?)\d+ +$`), '$1<speed> $3<rpm>')]],
  [
    'power-consumption',
    [
      gsub(rb(String.raw`^(.*?) (?:\d+\.\d+ +)+\d+\.\d+(?: +N\/A)*$`), '$1 <power hidden>'),
      gsub(rb(String.raw`^(Total Power Consumption +)\d+\.\d+$`), '$1<power hidden>'),
    ],
  ],
  ['power-allocation', [gsub(rb(String.raw`^(.*) \d+ W$`), '$1 <power>')]],
  ['power-supply input-voltage', [gsub(rb(String.raw`^((?:\S+ +){3}\d+-\d+ +)\d+\.\d+ +\d+\.\d+`), '$1<voltage hidden>')]],
  ['temperature', [gsub(rb(String.raw`^(.*) -?\d+\.\d+ C (.*)$`), '$1 <hidden>$2')]],
];

function environment(cfg: string): string {
  for (const [section, rules] of SECTIONS) {
    const re = rb(`(show environment ${section}.*?-{10,}\\n)(.*?)(?=\\nshow environment|\\z)`, 'm');
    cfg = cfg.replace(re, (_m, head: string, body: string) => head + applyRules(body, rules));
  }
  return commentLines(cfg, C);
}

export const aoscx: Driver = {
  id: 'aoscx',
  aliases: ['arubaos-cx', 'aos-cx'],
  vendor: 'HPE Aruba',
  platform: 'AOS-CX',
  protocols: ['ssh', 'telnet'],
  mode: 'shell',
  prompt: rb(String.raw`^[\w\s.-]+[#>] $`),
  comment: C,
  login: { username: /Username:/, password: /Password:/ },
  enable: { command: 'enable', order: 'before' },
  expect: [
    { pattern: ESC_CODES },
    { pattern: rb('Press any key to continue$'), send: ' ', action: 'clear' },
    { pattern: /Enter switch number/, send: '\n', action: 'clear' },
  ],
  setup: ['no page'],
  teardown: ['exit'],
  cleanup: [(cfg) => dropFirstLast(cfg)],
  commands: [
    { command: 'show version', process: (cfg) => commentLines(cfg, C) },
    { command: 'show environment', process: environment },
    { command: 'show module', process: (cfg) => commentLines(cfg, C) },
    { command: 'show interface transceiver', process: (cfg) => commentLines(cfg, C) },
    {
      command: 'show system',
      process: (cfg) => commentLines(rejectLines(cfg, 'Up Time', 'CPU', 'Memory', rb(String.raw`Pkts .x`), 'Lowest', 'Missed'), C),
    },
    { command: 'show running-config' },
  ],
  facts: [
    { fact: 'model', command: 'show system', pattern: rb(String.raw`^Product Name\s*:\s*(.+?)\s*$`) },
    { fact: 'serial', command: 'show system', pattern: rb(String.raw`^Chassis Serial Nbr\s*:\s*(\S+)`) },
    { fact: 'osVersion', command: 'show version', pattern: rb(String.raw`^Version\s*:\s*(\S+)`) },
  ],
  secrets: [
    gsub(rb(String.raw`^(user .* group .*(?: ciphertext)?) \S+`), '$1 <secret hidden>'),
    gsub(rb(String.raw`^(snmp-server community) \S+(.*)`), '$1 <secret hidden> $2'),
    gsub(rb(String.raw`^(snmp-server host \S+ .*community) \S+(.*)`), '$1 <secret hidden>$2'),
    gsub(rb(String.raw`^(snmpv3 user).*?(auth (?:md5|sha(?:\d{1,3})?) auth-pass ciphertext).*?(priv (?:des|aes(?:\d{1,3})?) priv-pass ciphertext).*`), '$1 <user> $2 <auth-pass> $3 <priv-pass>'),
    gsub(rb(String.raw`^(radius-server host \S+ key(?: ciphertext)?) \S+ (.*)`), '$1 <secret hidden> $2'),
    gsub(rb(String.raw`^(radius-server key).*`), '$1 <configuration removed>'),
    gsub(rb(String.raw`^(tacacs-server host \S+ key) \S+(.*)`), '$1 <secret hidden> $2'),
    gsub(rb(String.raw`^(tacacs-server key).*`), '$1 <secret hidden>'),
  ],
  restore: { method: 'merge' },
};

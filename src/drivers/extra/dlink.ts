// D-Link managed switches with the classic CLI (DGS-1210 "-ME", DGS-3000/3120/3420/3630, DES-3x00).
// Each output repeats the command on a "Command: ..." line after the echo.
import type { Driver } from '../types.ts';
import { commentLines, lines, rstrip, sliceLines } from '../helpers.ts';

export const dlink: Driver = {
  id: 'dlink',
  aliases: ['d-link', 'dgs'],
  vendor: 'D-Link',
  platform: 'D-Link managed switches (classic CLI)',
  protocols: ['ssh', 'telnet'],
  mode: 'shell',
  prompt: /^\r*[\w.@():\/-]+[#>]\s?$/,
  comment: '# ',
  login: { username: /\r*[uU]ser[nN]ame:\s*$/, password: /\r*[pP]ass[wW]ord:\s*$/ },
  setup: ['disable clipaging'],
  teardown: ['logout'],
  // echo and "Command: ..." first, prompt last; CRs and trailing blanks out
  cleanup: [(o) => lines(sliceLines(o, 2, -2)).map((l) => rstrip(l.replaceAll('\r', ''))).join('\n') + '\n'],
  commands: [
    { command: 'show switch', process: (o) => commentLines(o.replace(/^System Uptime\s.+/m, ''), '# ') },
    { command: 'show vlan', process: (o) => commentLines(o, '# ') },
    { command: 'show config current' },
  ],
  facts: [
    { fact: 'model', command: 'show switch', pattern: /^Device Type\s+: (\S+)/m },
    { fact: 'serial', command: 'show switch', pattern: /^Serial Number\s+: (\S+)/m },
    { fact: 'osVersion', command: 'show switch', pattern: /^Firmware Version\s+: (.+)/m },
  ],
  secrets: [
    { pattern: /^(create snmp community) \S+/gm, replace: '$1 <removed>' },
    { pattern: /^(create snmp group) \S+/gm, replace: '$1 <removed>' },
    { pattern: /^(create account \S+ \S+ encrypt sha_1) \S+/gm, replace: '$1 <removed>' },
  ],
};

// TP-Link JetStream / Omada managed switches (T1600G, T2600G, TL-SG3xxx). Mixed CR/LF line
// ends; paging with "Press any key to continue (Q to quit)".
import type { Driver } from '../types.ts';
import { commentLines, dropFirstLast, rejectLines } from '../helpers.ts';

export const tplink: Driver = {
  id: 'tplink',
  aliases: ['tp-link', 'jetstream'],
  vendor: 'TP-Link',
  platform: 'JetStream managed switches',
  protocols: ['ssh', 'telnet'],
  mode: 'shell',
  prompt: /^\r?[\w.@()-]+[#>]\s?$/,
  comment: '! ',
  login: { username: /^User ?[nN]ame:\s*$/, password: /^\r?Password:\s*$/ },
  enable: { command: 'enable', always: true },
  expect: [{ pattern: /Press\s?any\s?key\s?to\s?continue\s?\(Q\s?to\s?quit\)/, send: ' ' }],
  teardown: ['exit', 'logout'],
  cleanup: [
    // normalise line ends, drop echo and prompt, drop empty and "#" separator lines
    (o) => rejectLines(dropFirstLast(o.replace(/\r\n|\n\r|\r/g, '\n')), /^[\n\s\x00#]+$/),
  ],
  commands: [
    { command: 'show system-info', process: (o) => commentLines(o.replace(/^ System Time\s.+/m, '').replace(/^ Running Time\s.+/m, ''), '! ') },
    {
      command: 'show running-config',
      process: (o) => {
        const end = o.search(/^end\n/m);
        return end < 0 ? o : o.slice(0, end + 4);
      },
    },
  ],
  facts: [
    { fact: 'serial', command: 'show system-info', pattern: /Serial Number\s+- (\S+)/ },
    { fact: 'osVersion', command: 'show system-info', pattern: /Firmware Version\s+- (.+)/ },
  ],
  secrets: [
    { pattern: /^(snmp-server community).*/gm, replace: '$1 <configuration removed>' },
    { pattern: /(secret \d+) \S+/g, replace: '$1 <secret hidden>' },
  ],
  notes: 'Differs from Oxidized tplink: the echo and prompt are removed; Oxidized sends a CR whenever a chunk ends without a prompt, which netkeep does not do.',
};

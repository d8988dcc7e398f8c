// Brocade (Extreme) Network OS, VDX switches.
import type { Driver } from '../types.ts';
import { commentLines, dropFirstLast, rejectLines } from '../helpers.ts';

export const nos: Driver = {
  id: 'nos',
  aliases: ['brocade-nos', 'vdx'],
  vendor: 'Brocade / Extreme',
  platform: 'Network OS (VDX)',
  protocols: ['ssh', 'telnet'],
  mode: 'shell',
  prompt: /^(?:\x1b\[..h)?[\w.-]+# $/,
  comment: '! ',
  login: { username: /^.* login: $/, password: /^Password:\s*$/ },
  setup: ['terminal length 0'],
  teardown: ['exit'],
  cleanup: [(o) => dropFirstLast(o)],
  commands: [
    { command: 'show version', process: (o) => commentLines(rejectLines(o, /([Ss]ystem [Uu]p\s?[Tt]ime|[Uu]p\s?[Tt]ime is \d)/), '! ') },
    { command: 'show inventory', process: (o) => commentLines(o, '! ') },
    { command: 'show license', process: (o) => commentLines(o, '! ') },
    { command: 'show chassis', process: (o) => commentLines(rejectLines(o, /Time/, /Update/), '! ') },
    { command: 'show running-config | nomore' },
  ],
  facts: [{ fact: 'osVersion', command: 'show version', pattern: /Network Operating System Version: (\S+)/ }],
  secrets: [
    { pattern: /^(username \S+ password) \S+/gm, replace: '$1 <secret hidden>' },
    { pattern: /^(snmp-server community) \S+/gm, replace: '$1 <secret hidden>' },
  ],
};

// Extreme SLX-OS (SLX 9150/9250/9540/9640 routers and switches).
import type { Driver } from '../types.ts';
import { commentLines, dropFirstLast, rejectLines } from '../helpers.ts';

export const slxos: Driver = {
  id: 'slxos',
  aliases: ['slx', 'extreme-slx'],
  vendor: 'Extreme Networks',
  platform: 'SLX-OS',
  protocols: ['ssh', 'telnet'],
  mode: 'shell',
  prompt: /^[\w.-]+(?:\([\w-]+\))?[>#]\s?$/,
  comment: '! ',
  login: { username: /^(?:Please Enter Login Name|Username|.* login):\s*$/, password: /^(?:Please Enter Password ?|Password):\s*$/ },
  enable: { command: 'enable' },
  setup: ['terminal length 0'],
  teardown: ['exit'],
  cleanup: [(o) => dropFirstLast(o)],
  commands: [
    { command: 'show version', process: (o) => commentLines(rejectLines(o, /[Ss]ystem [Uu]ptime/, /[Uu]p\s?[Tt]ime is /), '! ') },
    { command: 'show chassis', process: (o) => commentLines(rejectLines(o, /Power Usage/, /Time A(?:live|wake)/), '! ') },
    { command: 'show system', process: (o) => commentLines(rejectLines(o, /Up Time/, /Current Time/, /speed is/), '! ') },
    // fixed-config models answer with a syntax error
    { command: 'show slots', process: (o) => commentLines(rejectLines(o, /syntax error: element does not exist/, /^\s*\^\s*$/), '! ') },
    { command: 'show running-config' },
  ],
  facts: [{ fact: 'osVersion', command: 'show version', pattern: /SLX-OS Operating System Version: (\S+)/ }],
  secrets: [
    { pattern: /^(username \S+ password) \S+/gm, replace: '$1 <secret hidden>' },
    { pattern: /^(snmp-server community) \S+/gm, replace: '$1 <secret hidden>' },
  ],
  notes: 'Volatile lines are removed instead of blanked (Oxidized slxos blanks them).',
};

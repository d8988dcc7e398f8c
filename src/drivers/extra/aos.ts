// Alcatel-Lucent Enterprise OmniSwitch on AOS 6 (OS6250/6350/6450/6850/9000).
// AOS 7/8 has its own driver, aos7.
import type { Driver } from '../types.ts';
import { commentLines, dropFirstLast, lines, strip } from '../helpers.ts';

export const aos: Driver = {
  id: 'aos',
  aliases: ['omniswitch-aos6', 'alcatel-aos6', 'aos6'],
  vendor: 'Alcatel-Lucent Enterprise',
  platform: 'OmniSwitch AOS 6',
  protocols: ['ssh', 'telnet'],
  mode: 'shell',
  prompt: /^[\w.@-]*->\s?$/,
  comment: '! ',
  login: { username: /^login : $/, password: /^password : $/ },
  teardown: ['exit'],
  cleanup: [(o) => dropFirstLast(o)],
  commands: [
    {
      command: 'show system',
      // only the description line: the rest is uptime, clock and free flash
      process: (o) => {
        const line = lines(o).find((l) => l.includes('Description'));
        return line ? commentLines(strip(line), '! ') + '\n' : '';
      },
    },
    { command: 'show chassis', process: (o) => commentLines(o, '! ') },
    { command: 'show hardware info', process: (o) => commentLines(o, '! ') },
    { command: 'show license info', process: (o) => commentLines(o, '! ') },
    { command: 'show license file', process: (o) => commentLines(o, '! ') },
    { command: 'show configuration snapshot' },
  ],
  facts: [
    { fact: 'model', command: 'show chassis', pattern: /Model Name:\s+([^,\s]+)/ },
    { fact: 'serial', command: 'show chassis', pattern: /Serial Number:\s+([^,\s]+)/ },
    { fact: 'osVersion', command: 'show system', pattern: /Description:\s+\S+ \S+ (\S+)/ },
  ],
  secrets: [
    { pattern: /^(user \S+ password) \S+/gm, replace: '$1 <secret hidden>' },
    { pattern: /^(snmp community map) \S+/gm, replace: '$1 <secret hidden>' },
  ],
  notes: 'Oxidized aos writes the description line without its line break, gluing it to the next section; netkeep keeps the line break.',
};

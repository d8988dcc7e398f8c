// Enterasys (Extreme) SecureStack B/C/D/G-series and A4/B5/C5/7100 ("host(su)->").
import type { Driver } from '../types.ts';
import { commentLines, lines, rstrip, sliceLines } from '../helpers.ts';

export const enterasys: Driver = {
  id: 'enterasys',
  aliases: ['securestack', 'extreme-eos'],
  vendor: 'Enterasys (Extreme Networks)',
  platform: 'SecureStack / EOS',
  protocols: ['ssh', 'telnet'],
  mode: 'shell',
  prompt: /^.+\w\(su\)->\s?$/,
  comment: '!',
  login: { username: /^Username:\s*$/, password: /^Password:\s*$/ },
  teardown: ['exit'],
  cleanup: [(o) => lines(sliceLines(o, 2, -3)).map((l) => rstrip(l.replaceAll('\r', ''))).join('\n') + '\n'],
  commands: [
    { command: 'show system hardware', process: (o) => commentLines(o, '!') },
    {
      command: 'show config',
      process: (o) =>
        o
          .replace(/^This command shows non-default configurations only\./m, '')
          .replace(/^Use 'show config all' to show both default and non-default configurations\./m, '')
          .replace(/^!|#.*/gm, '')
          .replace(/^\n/gm, ''),
    },
  ],
  facts: [
    { fact: 'model', command: 'show system hardware', pattern: /Model:\s+(\S+)/ },
    { fact: 'serial', command: 'show system hardware', pattern: /Serial Number:\s+(\S+)/ },
    { fact: 'osVersion', command: 'show system hardware', pattern: /FirmWare Version:\s+(\S+)/ },
  ],
  secrets: [
    { pattern: /^(set snmp community) \S+/gm, replace: '$1 <secret hidden>' },
    { pattern: /(password) \S+/g, replace: '$1 <secret hidden>' },
  ],
  notes: 'As in Oxidized enterasys, comments, "!" separators and blank lines are removed from show config.',
};

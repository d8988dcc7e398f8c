// Dell EMC Networking OS9 (Force10 FTOS): S/Z/C/E/MXL series.
import type { Driver } from '../types.ts';
import { commentLines, dropFirstLast, rejectLines } from '../helpers.ts';

export const ftos: Driver = {
  id: 'ftos',
  aliases: ['os9', 'force10', 'dnos9'],
  vendor: 'Dell EMC (Force10)',
  platform: 'Networking OS9 (FTOS)',
  protocols: ['ssh', 'telnet'],
  mode: 'shell',
  prompt: /^\r?[\w.@()-]+[#>]\s?$/,
  comment: '! ',
  login: { username: /^Login:\s*$/, password: /^Password:\s*$/ },
  enable: { command: 'enable' },
  setup: ['terminal length 0', 'terminal width 0'],
  teardown: ['exit'],
  cleanup: [(o) => dropFirstLast(o)],
  commands: [
    { command: 'show inventory', process: (o) => commentLines(o, '! ') },
    { command: 'show inventory media', process: (o) => commentLines(o, '! ') },
    {
      command: 'show running-config',
      process: (o) => rejectLines(o, /^Current Configuration \.\.\.\s*$/, /^! Last configuration change at /, /^! Startup-config last updated at /),
    },
  ],
  facts: [
    { fact: 'model', command: 'show inventory', pattern: /^System Type\s*: (\S+)/m },
    { fact: 'osVersion', command: 'show inventory', pattern: /^Software Version\s*: (\S+)/m },
  ],
  secrets: [
    { pattern: /^(snmp-server community).*/gm, replace: '$1 <configuration removed>' },
    { pattern: /(secret \d* ?)\S+(.*)/g, replace: '$1<secret hidden>$2' },
    { pattern: /(password \d+) \S+(.*)/g, replace: '$1 <hash hidden>$2' },
  ],
  notes: 'Header lines of show running-config that change on every write are removed by pattern, not by position.',
};

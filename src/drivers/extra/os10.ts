// Dell SmartFabric OS10 (S/Z/N-series with OS10 Enterprise).
import type { Driver } from '../types.ts';
import { commentLines, dropFirstLast, rejectLines } from '../helpers.ts';

export const os10: Driver = {
  id: 'os10',
  aliases: ['dellos10', 'smartfabric-os10'],
  vendor: 'Dell EMC',
  platform: 'SmartFabric OS10',
  protocols: ['ssh', 'telnet'],
  mode: 'shell',
  prompt: /^\r?[\w.@()-]+[#>]\s?$/,
  comment: '! ',
  login: { username: /^(?:Login|[\w-]+ login):\s*$/, password: /^Password:\s*$/ },
  enable: { command: 'enable' },
  setup: ['terminal length 0'],
  teardown: ['exit'],
  cleanup: [(o) => dropFirstLast(o.replace(/^% Invalid input detected at '\^' marker\.$|^\s+\^$/gm, ''))],
  commands: [
    { command: 'show inventory', process: (o) => commentLines(o, '! ') },
    { command: 'show inventory media', process: (o) => commentLines(o, '! ') },
    { command: 'show running-configuration', process: (o) => rejectLines(o, /^! Last configuration change at /) },
  ],
  facts: [
    { fact: 'model', command: 'show inventory', pattern: /^Product\s*: (\S+)/m },
    { fact: 'osVersion', command: 'show inventory', pattern: /^Software version\s*: (\S+)/m },
  ],
  secrets: [{ pattern: /(password )(\S+)/g, replace: '$1<secret hidden>' }],
};

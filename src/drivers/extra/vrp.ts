// Huawei VRP (CloudEngine, S-series, NE/AR routers). Prompt "<host>" in user view.
import type { Driver } from '../types.ts';
import { commentLines, dropFirstLast, rejectLines } from '../helpers.ts';

export const vrp: Driver = {
  id: 'vrp',
  aliases: ['huawei', 'huawei-vrp'],
  vendor: 'Huawei',
  platform: 'VRP',
  protocols: ['ssh', 'telnet'],
  mode: 'shell',
  prompt: /^\r?<[^<>\s]+>\s?$/,
  comment: '# ',
  login: { username: /^Username:\s*$/, password: /^Password:\s*$/ },
  setup: ['screen-length 0 temporary'],
  teardown: ['quit'],
  cleanup: [(o) => dropFirstLast(o)],
  commands: [
    { command: 'display version', process: (o) => commentLines(rejectLines(o, /uptime/), '# ') },
    { command: 'display device', process: (o) => commentLines(o, '# ') },
    {
      command: 'display current-configuration all',
      // the "updated/saved at <date> by <user>" header lines change without a config change
      process: (o) => rejectLines(o, /^!Last configuration was (?:updated|saved) at /),
    },
  ],
  facts: [{ fact: 'osVersion', command: 'display version', pattern: /VRP \(R\) software, Version ([^\n]+)/ }],
  secrets: [
    { pattern: /(pin verify (?:auto|)).*/g, replace: '$1 <PIN hidden>' },
    { pattern: /(%\^%#.*%\^%#)/g, replace: '<secret hidden>' },
    { pattern: /(irreversible-cipher|cipher) \S+/g, replace: '$1 <secret hidden>' },
  ],
  notes: 'Unlike Oxidized vrp, the "!Last configuration was updated/saved" lines are dropped (they change without a config change).',
};

// Ubiquiti EdgeSwitch (FASTPATH-based, "(UBNT EdgeSwitch) #").
import type { Driver } from '../types.ts';
import { rejectLines, sliceLines } from '../helpers.ts';

export const edgeswitch: Driver = {
  id: 'edgeswitch',
  aliases: ['ubnt-edgeswitch'],
  vendor: 'Ubiquiti',
  platform: 'EdgeSwitch',
  protocols: ['ssh', 'telnet'],
  mode: 'shell',
  prompt: /^\(.*\)\s[#>]\s?$/,
  comment: '!',
  login: { username: /User(?:name)?:\s?$/, password: /^Password:\s?$/ },
  enable: { command: 'enable', always: true },
  setup: ['terminal length 0'],
  teardown: ['quit', 'n'],
  commands: [
    {
      command: 'show running-config',
      // echo and blank line, then the config; uptime and SNTP time lines change all the time
      process: (o) => rejectLines(sliceLines(o, 2, -2), /System Up Time/, /Current SNTP Synchronized Time/),
    },
  ],
  facts: [{ fact: 'osVersion', command: 'show running-config', pattern: /^!System Software Version "([^"]+)"/m }],
  secrets: [{ pattern: /^(username "\S+" password) \S+/gm, replace: '$1 <secret hidden>' }],
};

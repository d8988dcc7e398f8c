// NETGEAR ProSAFE/M4x00 managed switches (FASTPATH-style CLI, "(M4300-28G) #").
import type { Driver } from '../types.ts';
import { rejectLines, sliceLines } from '../helpers.ts';

export const netgear: Driver = {
  id: 'netgear',
  aliases: ['prosafe', 'netgear-m4300'],
  vendor: 'NETGEAR',
  platform: 'ProSAFE / M4x00 managed switches',
  protocols: ['ssh', 'telnet'],
  mode: 'shell',
  prompt: /^\([\w\s\-.]+\)\s[#>]\s?$/,
  comment: '!',
  login: { username: /^User(?:name)?:\s*$/, password: /^Password:\s*$/ },
  // enable asks for a password even when none is set: answer it (empty line when unset)
  enable: { command: 'enable', always: true, alwaysAnswerPassword: true, passwordPrompt: /[pP]assword:\s?$/ },
  setup: ['terminal length 0'],
  teardown: ['quit', 'n'],
  commands: [
    {
      command: 'show running-config',
      process: (o) => rejectLines(sliceLines(o, 2, -2), /^!System Up Time/, /^!Current SNTP Synchronized Time/),
    },
  ],
  facts: [{ fact: 'osVersion', command: 'show running-config', pattern: /^!System Software Version "([^"]+)"/m }],
  secrets: [{ pattern: /password (\S+)/g, replace: 'password <hidden>' }],
};

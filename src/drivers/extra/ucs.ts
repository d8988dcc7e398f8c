// Cisco UCS Manager (fabric interconnects 6200/6300/6400), UCSM CLI.
import type { Driver } from '../types.ts';
import { commentLines, dropFirstLast } from '../helpers.ts';

export const ucs: Driver = {
  id: 'ucs',
  aliases: ['ucsm', 'cisco-ucs'],
  vendor: 'Cisco',
  platform: 'UCS Manager (fabric interconnect)',
  protocols: ['ssh', 'telnet'],
  mode: 'shell',
  prompt: /^\r?[\w.@()-]+#\s?$/,
  comment: '! ',
  login: { username: /^login:\s*$/, password: /^Password:\s*$/ },
  setup: ['terminal length 0'],
  teardown: ['exit'],
  cleanup: [(o) => dropFirstLast(o)],
  commands: [
    { command: 'show version brief', process: (o) => commentLines(o, '! ') },
    { command: 'show chassis detail', process: (o) => commentLines(o, '! ') },
    { command: 'show fabric-interconnect detail', process: (o) => commentLines(o, '! ') },
    { command: 'show configuration all | no-more' },
  ],
  facts: [{ fact: 'osVersion', command: 'show version brief', pattern: /System version: (\S+)/ }],
  secrets: [{ pattern: /(set (?:password|auth-password|priv-password|key|community)) \S+/g, replace: '$1 <secret hidden>' }],
  notes: 'Differs from Oxidized ucs, which keeps the echoed command and the prompt in every section.',
};

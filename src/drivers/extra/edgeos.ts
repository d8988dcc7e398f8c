// Ubiquiti EdgeOS (EdgeRouter), Vyatta-based: configuration as "set" commands.
import type { Driver } from '../types.ts';
import { commentLines, dropFirstLast } from '../helpers.ts';

export const edgeos: Driver = {
  id: 'edgeos',
  aliases: ['edgerouter', 'ubnt-edgeos'],
  vendor: 'Ubiquiti',
  platform: 'EdgeOS (EdgeRouter)',
  protocols: ['ssh', 'telnet'],
  mode: 'shell',
  prompt: /^\S+@\S+:~\$\s$/,
  comment: '# ',
  login: { username: /login:\s$/, password: /^Password:\s$/ },
  teardown: ['exit'],
  cleanup: [(o) => dropFirstLast(o)],
  commands: [
    { command: 'show version | no-more', process: (o) => commentLines(o.replace(/^Uptime:\s.+/gm, ''), '# ') },
    { command: 'show configuration commands | no-more' },
  ],
  facts: [
    { fact: 'osVersion', command: 'show version | no-more', pattern: /^Version:\s+(\S+)/m },
    { fact: 'model', command: 'show version | no-more', pattern: /^HW model:\s+(.+)/m },
    { fact: 'serial', command: 'show version | no-more', pattern: /^HW S\/N:\s+(\S+)/m },
  ],
  secrets: [
    { pattern: /encrypted-password (\S+).*/g, replace: 'encrypted-password <secret removed>' },
    { pattern: /plaintext-password (\S+).*/g, replace: 'plaintext-password <secret removed>' },
    { pattern: /password (\S+).*/g, replace: 'password <secret removed>' },
    { pattern: /pre-shared-secret (\S+).*/g, replace: 'pre-shared-secret <secret removed>' },
    { pattern: /community (\S+) {/g, replace: 'community <hidden> {' },
  ],
};

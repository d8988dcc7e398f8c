// Belden Hirschmann HiOS switches (RSP, RSPE, GRS, MSP, OS, BRS). The pager is answered
// with "a" (show all).
import type { Driver } from '../types.ts';
import { commentLines, dropFirstLast, rb } from '../helpers.ts';

export const hirschmann: Driver = {
  id: 'hirschmann',
  aliases: ['hios', 'belden-hios'],
  vendor: 'Belden (Hirschmann)',
  platform: 'HiOS',
  protocols: ['ssh', 'telnet'],
  mode: 'shell',
  prompt: /^[(\w\s\w)]+\s[>|#]+?$/,
  comment: '## ',
  login: { username: /^User:\s*$/, password: /^Password:\s*$/ },
  expect: [{ pattern: rb('^--More--.*$'), send: 'a' }],
  setup: ['enable'],
  teardown: ['logout'],
  // the pager erases its line with CR, spaces, CR
  cleanup: [(o) => dropFirstLast(o.replace(/\r *\r/g, ''))],
  commands: [
    {
      command: 'show sysinfo',
      process: (o) =>
        commentLines(
          o
            .replace(/^System Up Time.*\n/m, '')
            .replace(/^System Date and Time.*\n/m, '')
            .replace(/^CPU Utilization.*\n/m, '')
            .replace(/^Memory.*\n/m, '')
            .replace(/^Average CPU Utilization.*\n/m, ''),
          '## ',
        ),
    },
    { command: 'show running-config', process: (o) => o.replace(/^users.*\n/gm, '') },
  ],
  facts: [
    { fact: 'serial', command: 'show sysinfo', pattern: /^Serial Number\.+(\S+)/m },
    { fact: 'osVersion', command: 'show sysinfo', pattern: /^Running Software Release\.+(\S+)/m },
  ],
  notes: 'As in Oxidized hirschmann, "users ..." lines (password hashes) are never stored.',
};

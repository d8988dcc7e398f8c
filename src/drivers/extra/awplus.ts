// Allied Telesis AlliedWare Plus (x230, x530, x930, SBx908, AR-series). No paging command is
// used: the "--More--" pager is answered with a space.
import type { Driver } from '../types.ts';
import { commentLines, dropFirstLast, rejectLines } from '../helpers.ts';

export const awplus: Driver = {
  id: 'awplus',
  aliases: ['alliedware-plus', 'alliedtelesis', 'aw+'],
  vendor: 'Allied Telesis',
  platform: 'AlliedWare Plus',
  protocols: ['ssh', 'telnet'],
  mode: 'shell',
  prompt: /^\r?[\w.@:\/-]+[#>]\s?$/,
  comment: '! ',
  login: { username: /login:\s$/, password: /^Password:\s*$/ },
  // "enable" always: privileged-exec users are not in enable mode after login
  enable: { command: 'enable', always: true, passwordPrompt: /^Password:\s*$/ },
  expect: [{ pattern: /--More--/, send: ' ' }],
  teardown: [{ send: 'exit\r\n', raw: true }],
  cleanup: [(o) => dropFirstLast(o.replace(/\x1b\[K/g, '').replace(/\x1b\[7m\x1b\[m/g, '').replaceAll('\r', ''))],
  commands: [
    {
      command: 'show system',
      process: (o) =>
        commentLines(
          rejectLines(o, /^\s*$/, /System Status\s*.*/, /RAM\s*:.*/, /Uptime\s*:.*/, /Flash\s*:.*/, /Current software\s*:.*/, /Software version\s*:.*/, /Build date\s*:.*/),
          '! ',
        ),
    },
    { command: 'show running-config' },
  ],
  facts: [{ fact: 'serial', command: 'show system', pattern: /^Base\s+\d+\s+\S+\s+\S+\s+(\S+)/m }],
  secrets: [
    { pattern: /^(snmp-server community).*/gm, replace: '$1 <configuration removed>' },
    { pattern: /^(username \S+ privilege \d+) (\S+).*/gm, replace: '$1 <secret hidden>' },
    { pattern: /^(username \S+ password \d) (\S+)/gm, replace: '$1 <secret hidden>' },
    { pattern: /^(enable (?:password|secret) \d) (\S+)/gm, replace: '$1 <secret hidden>' },
    { pattern: /^(\s+(?:password|secret)) (?:\d )?\S+/gm, replace: '$1 <secret hidden>' },
    { pattern: /^(tacacs-server key \d) (\S+)/gm, replace: '$1 <secret hidden>' },
  ],
  notes: 'Differs from Oxidized awplus: show system is commented without the "Starting/Ending" banner lines; volatile lines (status date, RAM, flash, uptime, software build) are dropped as there.',
};

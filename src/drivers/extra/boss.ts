// Extreme (ex-Avaya/Nortel) Ethernet Routing Switch, BOSS: ERS 3500/4800/4900/5900.
// The login banner waits for Ctrl-Y.
import type { Driver } from '../types.ts';
import { commentLines, dropFirstLast, rejectLines } from '../helpers.ts';

const TIMESTAMP = /\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} .*/g;

export const boss: Driver = {
  id: 'boss',
  aliases: ['ers', 'baystack'],
  vendor: 'Extreme Networks (Avaya)',
  platform: 'Ethernet Routing Switch (BOSS)',
  protocols: ['ssh', 'telnet'],
  mode: 'shell',
  prompt: /^[^\s#>]+[#>]$/,
  comment: '! ',
  login: { username: /Username: $/, password: /Password: $/ },
  expect: [
    { pattern: /Enter Ctrl-Y to begin\./, send: '\x19' },
    // failed-login notice (no way to turn it off without RADIUS)
    { pattern: /Press ENTER to continue/, send: '\n' },
    // the menu interface of older ERS 55xx/56xx: choose the command line
    { pattern: /ommand Line Interface\.\.\./, send: 'c\n' },
  ],
  setup: ['terminal length 0', 'terminal width 132'],
  teardown: ['logout'],
  cleanup: [(o) => dropFirstLast(o)],
  commands: [
    {
      command: 'show sys-info',
      process: (o, ctx) => {
        ctx.state.stack = /Stack/.test(o);
        return commentLines(rejectLines(o, /sysUpTime/, /sysNtpTime/, /sysRtcTime/).replace(TIMESTAMP, ''), '! ');
      },
    },
    { command: 'show stack-info', when: (ctx) => ctx.state.stack === true, process: (o) => commentLines(o.replace(TIMESTAMP, ''), '! ') },
    { command: 'show running-config', process: (o) => rejectLines(o, /^! clock set/).replace(TIMESTAMP, '') },
  ],
  facts: [
    { fact: 'model', command: 'show sys-info', pattern: /^sysDescr:\s+(.+)$/m },
    { fact: 'osVersion', command: 'show sys-info', pattern: /SW:(\S+)/ },
  ],
  secrets: [
    { pattern: /^(snmp-server community) \S+/gm, replace: '$1 <secret hidden>' },
    { pattern: /^(username \S+) \S+/gm, replace: '$1 <secret hidden>' },
  ],
  notes: 'Differs from Oxidized boss: volatile lines are removed (Oxidized leaves "removed sysUpTime" markers) and no empty first command is sent.',
};

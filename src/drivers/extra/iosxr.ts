// Cisco IOS XR (ASR 9000, NCS, CRS, XRv). Every exec command prints a timestamp line
// after the echo; `show running-config` starts with "Building configuration..." and two
// "!!" header lines, the second of which changes on every commit.
import type { Driver } from '../types.ts';
import { commentLines, dropFirstLast, rejectLines } from '../helpers.ts';
import { dropLeading } from './_shared.ts';

const TIMESTAMP = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\d+ \d\d:\d\d:\d\d(?:\.\d+)? \S+\n/;

export const iosxr: Driver = {
  id: 'iosxr',
  aliases: ['ios-xr', 'cisco_xr', 'cisco-iosxr'],
  vendor: 'Cisco',
  platform: 'IOS XR',
  protocols: ['ssh', 'telnet'],
  mode: 'shell',
  prompt: /^\r?[\w.@:\/-]+[#>]\s?$/,
  comment: '! ',
  login: { username: /^Username:\s*$/, password: /^Password:\s*$/ },
  enable: { command: 'enable' },
  setup: ['terminal length 0', 'terminal width 0'],
  teardown: ['exit'],
  cleanup: [(out) => dropFirstLast(out).replace(TIMESTAMP, '')],
  commands: [
    { command: 'show inventory', process: (o) => commentLines(o, '! ') },
    { command: 'show platform', process: (o) => commentLines(o, '! ') },
    {
      command: 'show running-config',
      process: (o) => dropLeading(rejectLines(o, /^Building configuration\.\.\.\s*$/, /^!! IOS XR Configuration /, /^!! Last configuration change /)),
    },
  ],
  facts: [
    { fact: 'osVersion', command: 'show running-config', pattern: /^!! IOS XR Configuration (\S+)/m },
    { fact: 'model', command: 'show inventory', pattern: /NAME: "[Cc]hassis[^\n]*\nPID: ([^,\s]+)/ },
  ],
  secrets: [
    { pattern: /^(\s*secret \d+) \S+/gm, replace: '$1 <secret hidden>' },
    { pattern: /^(\s*password \d+) \S+/gm, replace: '$1 <secret hidden>' },
    { pattern: /^(snmp-server community) \S+/gm, replace: '$1 <secret hidden>' },
    { pattern: /^(\s*key \d+) \S+/gm, replace: '$1 <secret hidden>' },
  ],
  restore: { method: 'replace', notes: 'configure exclusive; load; commit replace' },
  notes: 'Timestamp line after each echo and the "Building configuration"/"!!" header are removed.',
};

// Zyxel ZyNOS managed switches (GS2210, XGS2210, GS3700, XS3800, MES).
import type { Driver } from '../types.ts';
import { commentLines, dropFirstLast, rejectLines } from '../helpers.ts';
import { dropLeading } from './_shared.ts';

const VT100 = /\x1b\[\??\d+(?:;\d+)*[A-Za-z]/g;

export const zynos: Driver = {
  id: 'zynos',
  aliases: ['zyxel', 'zyxel-zynos'],
  vendor: 'Zyxel',
  platform: 'ZyNOS switches',
  protocols: ['ssh', 'telnet'],
  mode: 'shell',
  prompt: /^[\w.@()<-]+[#>]\s?$/,
  comment: '! ',
  login: { username: /^User name:\s*$/i, password: /^Password:\s*$/i },
  enable: { command: 'enable' },
  expect: [
    { pattern: /(?:\x1b\[1M\x1b\[\??\d+(?:;\d+)*[A-Za-z]\x1b\[1L)|(?:\x1bE)/g, replaceWith: '\n' },
    { pattern: VT100 },
  ],
  teardown: ['exit'],
  cleanup: [(o) => dropFirstLast(o.replace(/(^|\n)\r/g, '$1').replace(VT100, ''))],
  commands: [
    { command: 'show version', process: (o) => commentLines(o, '! ') },
    { command: 'show system-information', process: (o) => commentLines(rejectLines(o, /System up Time/i), '! ') },
    {
      command: 'show running-config',
      process: (o) => dropLeading(rejectLines(o, /^\s*Building configuration\.\.\./, /^\s*Current configuration:/)),
    },
  ],
  facts: [
    { fact: 'model', command: 'show system-information', pattern: /Product Model\s+: (\S+)/ },
    { fact: 'osVersion', command: 'show version', pattern: /ZyNOS version: (\S+)/ },
  ],
  secrets: [
    { pattern: /^(snmp-server (?:get|set)-community) \S+(.*)/gm, replace: '$1 <secret hidden> $2' },
    { pattern: /^(logins username) \S+(.*) (password) \S+(.*)/gm, replace: '$1 <secret hidden> $2 $3 <secret hidden> $4' },
    { pattern: /^(admin-password) \S+(.*)/gm, replace: '$1 <secret hidden> $2' },
    { pattern: /^(password) \S+(.*) (privilege \S+)/gm, replace: '$1 <secret hidden> $2 $3' },
  ],
  notes: 'Differs from Oxidized zynos: echo and prompt are removed from every output and the running-config header by pattern; system uptime is dropped.',
};

// Cisco Small Business switches (SG200/300/350/500/550X, CBS). They ask for "User Name:"
// inside the SSH shell; `terminal datadump` turns the pager off.
import type { Driver } from '../types.ts';
import { commentLines, dropFirstLast, rb } from '../helpers.ts';

export const ciscosmb: Driver = {
  id: 'ciscosmb',
  aliases: ['cisco-sb', 'ciscosb', 'sg300', 'sg350'],
  vendor: 'Cisco',
  platform: 'Small Business switches (Sx200/300/350/500/550X)',
  protocols: ['ssh', 'telnet'],
  mode: 'shell',
  prompt: /^\r?[\w.@()-]+[#>]\s?$/,
  comment: '! ',
  login: { username: /User ?[nN]ame:\s*$/, password: /^\r?Password:\s*$/ },
  enable: { command: 'enable', passwordPrompt: /^\r?Password:\s*$/ },
  setup: ['terminal datadump', 'terminal width 0', 'terminal len 0'],
  teardown: ['exit', 'exit'],
  cleanup: [(o) => dropFirstLast(o).replace(/^\r/, '')],
  commands: [
    { command: 'show version', process: (o) => commentLines(o.replace(/uptime is .+/g, '<uptime removed>'), '! ') },
    { command: 'show bootvar', process: (o) => commentLines(o, '! ') },
    {
      command: 'show running-config',
      process: (o) => o.replace(rb('^Current configuration : [^\\n]*\\n', 'g'), '').replace(rb('^(ntp clock-period).*'), '! $1'),
    },
  ],
  facts: [{ fact: 'osVersion', command: 'show version', pattern: /Version: (\S+)/ }],
  secrets: [
    { pattern: rb('^(snmp-server community).*', 'g'), replace: '$1 <configuration removed>' },
    { pattern: rb('^(username \\S+ password encrypted) \\S+(.*)', 'g'), replace: '$1 <secret hidden> $2' },
    { pattern: rb('^(enable password level \\d+ encrypted) \\S+', 'g'), replace: '$1 <secret hidden>' },
    { pattern: rb('^(encrypted radius-server key).*', 'g'), replace: '$1 <configuration removed>' },
    { pattern: rb('^(encrypted tacacs-server key).*', 'g'), replace: '$1 <secret hidden>' },
  ],
};

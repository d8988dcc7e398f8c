// Brocade/Extreme NetIron (MLX, CER, CES) and older Foundry IronWare. Prompt "SSH@host#".
// (Ruckus ICX FastIron has its own driver, fastiron.)
import type { Driver } from '../types.ts';
import { commentLines, rejectLines, sliceLines } from '../helpers.ts';
import { dropLeading } from './_shared.ts';

export const ironware: Driver = {
  id: 'ironware',
  aliases: ['netiron', 'brocade-mlx', 'foundry'],
  vendor: 'Brocade / Extreme (Foundry)',
  platform: 'NetIron / IronWare',
  protocols: ['ssh', 'telnet'],
  mode: 'shell',
  prompt: /^.*(?:telnet|ssh)@[^\s#>]+[>#]\s?$/i,
  comment: '! ',
  login: { username: /^(?:Please Enter Login Name|Username):\s*$/, password: /^(?:Please Enter Password ?|Password):\s*$/ },
  enable: { command: 'enable' },
  setup: ['', 'skip-page-display', 'terminal length 0'],
  teardown: ['logout', 'exit'],
  // IronWare sometimes inserts blank lines after the echo, differently from run to run
  cleanup: [(o) => dropLeading(sliceLines(o, 1, -2))],
  commands: [
    {
      command: 'show version',
      process: (o) => commentLines(rejectLines(o, /[Ss]ystem uptime/, /[Tt]he system started at/, /[Uu]p\s?[Tt]ime is /), '! '),
    },
    {
      command: 'show chassis',
      process: (o) =>
        commentLines(
          rejectLines(o, /Current temp/)
            .replace(/, Speed = [A-Z-]{2,6} \(\d{2,3}%\)/g, '')
            .replace(/ \(current speed is [A-Z-]{2,6} \(\d{2,3}%\)\)/g, '')
            .replace(/^--- TEMPERATURE READINGS ---\n(?:[^\n]*\S[^\n]*\n)*(?:[ \t]*\n)?/m, '')
            .replace(/\d{2}\.\d deg-C/g, 'XX.X deg-C'),
          '! ',
        ),
    },
    { command: 'show flash', process: (o) => commentLines(o, '! ') },
    { command: 'show module', process: (o) => commentLines(o.replace(/^(?:Invalid input|Type \?).*$/gm, ''), '! ') },
    { command: 'show running-config', process: (o) => o.replace(/^Current configuration:\n(?:!\n)?/, '') },
  ],
  facts: [{ fact: 'osVersion', command: 'show version', pattern: /IronWare : Version (\S+)/ }],
  secrets: [
    { pattern: /^(snmp-server community) \S+/gm, replace: '$1 <secret hidden>' },
    { pattern: /(password \d+) \S+/g, replace: '$1 <secret hidden>' },
    { pattern: /^((?:radius|tacacs)-server .*key \d) \S+/gm, replace: '$1 <secret hidden>' },
  ],
  notes: 'Uptime lines are removed (Oxidized blanks them); the temperature section and fan speeds of show chassis are removed.',
};

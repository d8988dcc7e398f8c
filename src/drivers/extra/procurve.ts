// HP/HPE ProCurve and Aruba AOS-S (ArubaOS-Switch, 2530/2930/3810/5400R). The CLI paints
// the screen with VT100 sequences and greets with "Press any key to continue".
import type { Driver } from '../types.ts';
import { commentLines, dropFirstLast, rejectLines } from '../helpers.ts';

/** Ruby String#split("\n"): trailing empty fields are dropped. */
function rubySplit(s: string): string[] {
  const parts = s.split('\n');
  while (parts.length && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

const VT100 = /\x1b\[\??\d+(?:;\d+)*[A-Za-z]/g;

export const procurve: Driver = {
  id: 'procurve',
  aliases: ['arubaos-switch', 'aos-s', 'provision'],
  vendor: 'HPE (Aruba)',
  platform: 'ProCurve / ArubaOS-Switch (AOS-S)',
  protocols: ['ssh', 'telnet'],
  mode: 'shell',
  prompt: /^\r?[\w\s.-]+# $/,
  comment: '! ',
  login: {
    username: /Username:\s*$/,
    password: /Password:\s*$/,
    pressAnyKey: [{ pattern: /Press any key to continue(?:\x1b\[\??\d+(?:;\d+)*[A-Za-z])*$/ }],
  },
  enable: { command: 'enable' },
  expect: [
    // "next line" sequences become line breaks, every other VT100 sequence is dropped
    { pattern: /(?:\x1b\[1M\x1b\[\??\d+(?:;\d+)*[A-Za-z]\x1b\[1L)|(?:\x1bE)/g, replaceWith: '\n' },
    { pattern: VT100 },
    { pattern: /Enter switch number/, send: '\n', action: 'clear' },
  ],
  setup: ['no page'],
  teardown: ['logout', 'y', 'n'],
  cleanup: [(o) => dropFirstLast(o).replace(/(^|\n)\r/g, '$1').replace(VT100, '')],
  commands: [
    { command: 'show version', process: (o) => commentLines(o, '! ') },
    { command: 'show modules', process: (o) => commentLines(o, '! ') },
    { command: 'show interfaces transceiver', process: (o) => commentLines(o, '! ') },
    { command: 'show flash', process: (o) => commentLines(o, '! ') },
    // older switches (2524, 2650) only know the hyphenated form; on newer ones it is an error and adds nothing
    { command: 'show system-information', process: (o) => commentLines(rubySplit(o).slice(0, -7).join('\n'), '! ') },
    { command: 'show system information', process: (o) => commentLines(rejectLines(o, /CPU|Up Time|Total|Free|Lowest|Missed/), '! ') },
    { command: 'show running-config' },
  ],
  facts: [
    { fact: 'osVersion', command: 'show system information', pattern: /Software revision\s*:\s*(\S+)/ },
    { fact: 'serial', command: 'show system information', pattern: /Serial Number\s*:\s*(\S+)/ },
  ],
  secrets: [
    { pattern: /^(snmp-server community) \S+(.*)/gm, replace: '$1 <secret hidden> $2' },
    { pattern: /^(snmp-server host \S+) \S+(.*)/gm, replace: '$1 <secret hidden> $2' },
    { pattern: /^(radius-server host \S+ key) \S+(.*)/gm, replace: '$1 <secret hidden> $2' },
    { pattern: /^(radius-server key).*/gm, replace: '$1 <configuration removed>' },
    { pattern: /^(tacacs-server host \S+ key) \S+(.*)/gm, replace: '$1 <secret hidden> $2' },
    { pattern: /^(tacacs-server key).*/gm, replace: '$1 <secret hidden>' },
  ],
  notes: 'Ask the SSH transport for a wide pty (1000 columns) as Oxidized does; "logout" is answered y (log out) then n (do not save).',
};

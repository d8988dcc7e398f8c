// NVIDIA (Mellanox) Onyx / MLNX-OS switches (SN2000/SN3000 series), prompt
// "host [standalone: master] > ".
import type { Driver } from '../types.ts';
import { commentLines, ESC_CODES, sliceLines } from '../helpers.ts';

export const mlnxos: Driver = {
  id: 'mlnxos',
  aliases: ['onyx', 'mellanox'],
  vendor: 'NVIDIA (Mellanox)',
  platform: 'Onyx / MLNX-OS',
  protocols: ['ssh'],
  mode: 'shell',
  prompt: /^\r?\S* \[\S+: (?:master|standby)\] [#>] $/,
  comment: '## ',
  login: { password: /^Password:\s*$/ },
  expect: [
    { pattern: ESC_CODES },
    // "lines 183-204 " while paging, "lines 256-269/269 (END) " on the last page
    { pattern: /lines \d+-\d+(?: |\/\d+ \(END\) )/, send: ' ' },
  ],
  setup: ['no cli session paging enable'],
  teardown: ['', 'exit'],
  cleanup: [
    (o) =>
      sliceLines(
        o
          .replace(/[\s\S]\x08/g, '')
          .replace(/^CPU load averages:\s.+/gm, '')
          .replace(/^System memory:\s.+/gm, '')
          .replace(/^Uptime:\s.+/gm, '')
          .replace(/.+Generated at\s\d+.+/g, ''),
        2,
        -3,
      ),
  ],
  commands: [
    { command: 'show version', process: (o) => commentLines(o, '## ') },
    { command: 'show inventory', process: (o) => commentLines(o, '## ') },
    { command: 'enable' },
    { command: 'show running-config' },
  ],
  facts: [
    { fact: 'osVersion', command: 'show version', pattern: /^Product release:\s+(\S+)/m },
    { fact: 'serial', command: 'show version', pattern: /^System serial num:\s+(\S+)/m },
  ],
  secrets: [
    { pattern: /(snmp-server community).*/g, replace: '   <snmp-server community configuration removed>' },
    { pattern: /username (\S+) password (\d+) (\S+).*/g, replace: '<secret hidden>' },
  ],
};

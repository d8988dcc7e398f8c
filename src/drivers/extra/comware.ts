// HPE (A-series, FlexFabric, FlexNetwork), H3C and 3Com switches and routers on Comware 5/7.
// Prompt "<host>" in user view.
import type { Driver } from '../types.ts';
import { commentLines, dropFirstLast, rejectLines } from '../helpers.ts';

export const comware: Driver = {
  id: 'comware',
  aliases: ['hpe-comware', 'h3c-comware', '3com'],
  vendor: 'HPE / H3C',
  platform: 'Comware',
  protocols: ['ssh', 'telnet'],
  mode: 'shell',
  prompt: /^\x00*(?:<[\w\s.-]+>)[\x07\s]?$/,
  comment: '# ',
  login: { username: /^Username:\s*$/, password: /^Password:\s*$/ },
  expect: [
    // when screen-length cannot be disabled (small V19x0 without cmdline mode): page on
    { pattern: /^\s*---- More ----(?:\x1b\[\d+D\s*\x1b\[\d+D)?/m, send: ' ' },
  ],
  setup: ['', 'screen-length disable', 'undo terminal monitor'],
  teardown: ['quit'],
  cleanup: [(o) => dropFirstLast(o.replaceAll('\r', ''))],
  commands: [
    { command: 'display version', process: (o) => commentLines(rejectLines(o, /uptime/i), '# ') },
    { command: 'display device', process: (o) => commentLines(o, '# ') },
    { command: 'display current-configuration' },
  ],
  facts: [{ fact: 'osVersion', command: 'display version', pattern: /Software, Version ([^\n]+)/ }],
  secrets: [
    { pattern: /^( snmp-agent community).*/gm, replace: '$1 <configuration removed>' },
    { pattern: /^( password hash).*/gm, replace: '$1 <configuration removed>' },
    { pattern: /^( password (?:cipher|simple)).*/gm, replace: '$1 <configuration removed>' },
  ],
  notes: 'The SMB "_cmdline-mode on" dance of Oxidized (var comware_cmdline) is not implemented.',
};

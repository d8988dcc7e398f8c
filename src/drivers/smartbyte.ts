// SmartByte switches. Port of Oxidized's `smartbyte` model (output compatible: the command
// echo stays in the backup, as upstream).

import type { Driver } from './types.ts';
import { commentLines, gsub, rb, sliceLines } from './helpers.ts';

const C = '! ';

export const smartbyte: Driver = {
  id: 'smartbyte',
  vendor: 'SmartByte',
  platform: 'SmartByte switch OS',
  protocols: ['ssh', 'telnet'],
  mode: 'shell',
  prompt: rb(String.raw`^([\w.@-]+[#>]\s?)$`),
  comment: C,
  login: { username: rb('^.*? login:'), password: rb('^Password:') },
  enable: { command: 'enable', passwordPrompt: rb('^[pP]assword:') },
  setup: ['terminal length 0'],
  teardown: ['exit'],
  cleanup: [(cfg) => sliceLines(cfg.replace(/\r/g, ''), 0, -2)],
  commands: [
    { command: 'show running-config' },
    { command: 'show version', process: (cfg) => commentLines(cfg, C) },
    {
      command: 'show interface optical-transceiver info',
      process: (cfg) =>
        commentLines(
          cfg.replace(
            rb(String.raw`^\|Transceiver current alarm information:           \|\s+\+-------------------------------------------------\+.*?\s+\+-------------------------------------------------\+\s+`, 'mg'),
            '',
          ),
          C,
        ),
    },
    { command: 'show power', process: (cfg) => commentLines(cfg, C) },
  ],
  secrets: [gsub(rb(String.raw`group (\S+) v2c`), 'group <hidden> v2c'), gsub(rb(String.raw`community (\S+)`), 'community <hidden>')],
  restore: { method: 'merge' },
};

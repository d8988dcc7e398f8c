// Broadcom Enhanced Fabric OS (EFOS). Port of Oxidized's `efos` model.

import type { Driver } from './types.ts';
import { commentLines, dropFirstLast, rb, rejectLines } from './helpers.ts';

const C = '! ';

export const efos: Driver = {
  id: 'efos',
  aliases: ['broadcom-efos'],
  vendor: 'Broadcom',
  platform: 'EFOS',
  protocols: ['ssh', 'telnet'],
  mode: 'shell',
  prompt: rb(String.raw`^([\w.@()-]+[#>]\s?)$`),
  comment: C,
  enable: { command: 'enable', passwordPrompt: rb('^[pP]assword:'), order: 'before' },
  setup: ['terminal length 0'],
  teardown: ['logout'],
  cleanup: [(cfg) => dropFirstLast(cfg)],
  commands: [
    { command: 'show bootvar', process: (cfg) => commentLines(cfg, C) },
    { command: 'show fiber-ports optical-transceiver-info all', process: (cfg) => commentLines(cfg, C) },
    { command: 'show running-config', process: (cfg) => rejectLines(cfg, 'System Up Time', 'Current System Time:', 'Current SNTP Synchronized Time:') },
  ],
  restore: { method: 'merge' },
};

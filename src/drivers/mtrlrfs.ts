// Extreme (Motorola/Zebra) WiNG wireless controllers (RFS, VX). Written for netkeep in the
// spirit of Oxidized's `mtrlrfs` model; only its prompt is covered by a recording.

import type { Driver } from './types.ts';
import { commentLines, dropFirstLast, rb, rejectLines } from './helpers.ts';

const C = '! ';

export const mtrlrfs: Driver = {
  id: 'mtrlrfs',
  aliases: ['wing', 'extreme-wing'],
  vendor: 'Extreme Networks (Motorola/Zebra)',
  platform: 'WiNG (RFS/VX controllers)',
  protocols: ['ssh', 'telnet'],
  mode: 'shell',
  // "VX9k-WiNG7#", "VX9k-WiNG7*>" (the * flags unsaved changes)
  prompt: rb(String.raw`^([\w.@()-]+\*?[#>]\s?)$`),
  comment: C,
  setup: ['terminal length 0'],
  teardown: ['exit'],
  cleanup: [(cfg) => dropFirstLast(cfg)],
  commands: [
    { command: 'show version', process: (cfg) => commentLines(rejectLines(cfg, rb(String.raw`uptime is`, 'i'), rb('^Current time')), C) },
    { command: 'show running-config' },
  ],
  restore: { method: 'merge' },
  notes: 'Prompt verified against recorded prompts only; commands not yet verified on a recording.',
};

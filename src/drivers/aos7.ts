// Alcatel-Lucent Enterprise OmniSwitch, AOS 7/8. Written for netkeep in the spirit of
// Oxidized's `aos7` model; only its prompt is covered by a recording (prompt.yaml).

import type { Driver } from './types.ts';
import { commentLines, dropFirstLast, rb, rejectLines } from './helpers.ts';

const C = '! ';

export const aos7: Driver = {
  id: 'aos7',
  aliases: ['omniswitch', 'alcatel-aos7'],
  vendor: 'Alcatel-Lucent Enterprise',
  platform: 'OmniSwitch AOS 7/8',
  protocols: ['ssh', 'telnet'],
  mode: 'shell',
  // Firmware 8.8x puts a space between hostname and prompt sign.
  prompt: rb(String.raw`^[\w.@-]+ ?[#>] ?$`),
  comment: C,
  login: { username: rb(String.raw`^login ?: ?`), password: rb(String.raw`^password ?: ?`, 'i') },
  teardown: ['exit'],
  cleanup: [(cfg) => dropFirstLast(cfg)],
  commands: [
    { command: 'show system', process: (cfg) => commentLines(rejectLines(cfg, rb(String.raw`^\s*(Up Time|Date & Time):`)), C) },
    { command: 'show chassis', process: (cfg) => commentLines(cfg, C) },
    { command: 'show hardware-info', process: (cfg) => commentLines(cfg, C) },
    { command: 'show configuration snapshot' },
  ],
  restore: { method: 'merge' },
  notes: 'Prompt verified against recorded prompts only; commands not yet verified on a recording.',
};

// Ruckus (Brocade/Foundry) FastIron switches. Written for netkeep in the spirit of
// Oxidized's `fastiron` model; only its prompt is covered by a recording (prompt.yaml).

import type { Driver } from './types.ts';
import { commentLines, dropFirstLast, rb, rejectLines, sliceLines } from './helpers.ts';

const C = '! ';

export const fastiron: Driver = {
  id: 'fastiron',
  aliases: ['ruckus-icx', 'icx', 'brocade-fastiron'],
  vendor: 'Ruckus (CommScope)',
  platform: 'FastIron / ICX',
  protocols: ['ssh', 'telnet'],
  mode: 'shell',
  // "SSH@switch-001#", stacks: "SSH@switch-001/002/003/123#"
  prompt: rb(String.raw`^([\w.@()\/-]+[#>]\s?)$`),
  comment: C,
  login: { username: rb('^(Please Enter Login Name|Username):'), password: rb('^(Please Enter Password ?|Password):') },
  enable: { command: 'enable' },
  setup: ['skip-page-display'],
  teardown: ['exit', 'exit'],
  cleanup: [(cfg) => dropFirstLast(cfg)],
  commands: [
    { command: 'show version', process: (cfg) => commentLines(rejectLines(cfg, rb('[Ss]ystem uptime'), rb('The system started at')), C) },
    { command: 'show flash', process: (cfg) => commentLines(cfg, C) },
    { command: 'show module', process: (cfg) => commentLines(cfg, C) },
    { command: 'show running-config', process: (cfg) => sliceLines(cfg, 2) },
  ],
  restore: { method: 'merge' },
  notes: 'Prompt verified against recorded prompts only; commands not yet verified on a recording.',
};

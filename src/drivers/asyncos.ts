// Cisco Secure Email Gateway (IronPort, AsyncOS). Written for netkeep in the spirit of
// Oxidized's `asyncos` model; only its prompt is covered by a recording (prompt.yaml).

import type { Driver } from './types.ts';
import { commentLines, dropFirstLast, rb, rejectLines } from './helpers.ts';

const C = '! ';

export const asyncos: Driver = {
  id: 'asyncos',
  aliases: ['ironport', 'cisco-esa'],
  vendor: 'Cisco',
  platform: 'AsyncOS (Secure Email Gateway)',
  protocols: ['ssh'],
  mode: 'shell',
  // "(mail.example.com)> ", "mail.example.com> ", "(Machine xx-xx...example.xxx)> "
  prompt: rb(String.raw`^\r*(\(?[\w. -]+\)?[#>]\s+)$`),
  comment: C,
  expect: [
    // showconfig asks how to show passphrases (AsyncOS 12+: a numbered menu ending in "[1]> ");
    // answer 3 (plain) as Oxidized does and drop the whole menu from the buffer. The menu spans
    // several lines, so the pattern must cross line breaks ([\s\S], not ".").
    { pattern: rb(String.raw`Choose the passphrase option:[\s\S]*?\[\d\]>\s$`), send: '3\n' },
    // older releases ask a yes/no question instead ("... [N]> "): a "3" would not be accepted there
    { pattern: rb(String.raw`Do you want to include pass(?:word|phrase)s\?[\s\S]*?\[[YN]\]>\s$`), send: 'Y\n' },
    { pattern: rb(String.raw`-Press Any Key For More-+[^\n]*$`), send: ' ' },
  ],
  teardown: ['exit'],
  cleanup: [(cfg) => dropFirstLast(cfg)],
  commands: [
    { command: 'version', process: (cfg) => commentLines(rejectLines(cfg, rb(String.raw`^\s*(Up Time|Current Time|Time Zone|Uptime)`, 'i')), C) },
    {
      command: 'showconfig',
      // the device echoes the menu answer ("3" or "Y") before the XML: drop it with the blank lines around it
      process: (cfg) => rejectLines(cfg.replace(/^\n*(?:3|Y)\n+/, ''), rb(String.raw`^\s*Current Time`)),
    },
  ],
  restore: { method: 'replace', notes: 'loadconfig' },
  notes: 'Prompt verified against recorded prompts only; commands not yet verified on a recording.',
};

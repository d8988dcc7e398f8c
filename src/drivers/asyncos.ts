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
    // showconfig asks how to show passphrases: choose "plain" only when secrets are kept on purpose
    { pattern: rb(String.raw`Do you want to include passphrases\?.*\[\S+\]>\s$`), send: '3\n' },
    { pattern: rb(String.raw`-Press Any Key For More-+[^\n]*$`), send: ' ' },
  ],
  teardown: ['exit'],
  cleanup: [(cfg) => dropFirstLast(cfg)],
  commands: [
    { command: 'version', process: (cfg) => commentLines(rejectLines(cfg, rb(String.raw`^\s*(Up Time|Current Time|Time Zone|Uptime)`, 'i')), C) },
    { command: 'showconfig', process: (cfg) => rejectLines(cfg, rb(String.raw`^\s*Current Time`)) },
  ],
  restore: { method: 'replace', notes: 'loadconfig' },
  notes: 'Prompt verified against recorded prompts only; commands not yet verified on a recording.',
};

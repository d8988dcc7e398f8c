// WatchGuard Fireware OS. Written for netkeep in the spirit of Oxidized's `firewareos`
// model; only its prompt is covered by a recording (prompt.yaml).

import type { Driver } from './types.ts';
import { commentLines, dropFirstLast, rb, rejectLines } from './helpers.ts';

const C = '-- ';

export const firewareos: Driver = {
  id: 'firewareos',
  aliases: ['watchguard', 'fireware'],
  vendor: 'WatchGuard',
  platform: 'Fireware OS',
  protocols: ['ssh'],
  mode: 'shell',
  // "[FAULT]WG<managed-by-wsm><master>>", "WG>"
  prompt: rb(String.raw`^(\[\w+\])?[\w.-]+(<[\w-]+>)*[#>]\s?$`),
  comment: C,
  expect: [
    // Fireware 11.9.3+ can show a logon disclaimer that must be accepted before the first prompt
    // (Oxidized answers "yes" too); without this the login stalls on the question.
    { pattern: rb(String.raw`I have read and accept the Logon Disclaimer message\. \(yes or no\)\? $`), send: 'yes\n', loginOnly: true },
  ],
  teardown: ['exit'],
  cleanup: [(cfg) => dropFirstLast(cfg)],
  commands: [
    { command: 'show sysinfo', process: (cfg) => commentLines(rejectLines(cfg, rb(String.raw`^\s*(system time|up time|cpu|memory|load average)`, 'i')), C) },
    { command: 'export config to console' },
  ],
  restore: { method: 'replace' },
  notes: 'Prompt verified against recorded prompts only; commands not yet verified on a recording.',
};

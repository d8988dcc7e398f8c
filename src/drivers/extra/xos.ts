// Extreme Networks ExtremeXOS (Summit X440/X460/X670/X690, 5000-series in EXOS mode).
// The prompt counts commands ("X460G2-lab.6 # ") and gets a "* " when config is unsaved.
import type { Driver } from '../types.ts';
import { commentLines, lines, rejectLines, rstrip, sliceLines } from '../helpers.ts';

export const xos: Driver = {
  id: 'xos',
  aliases: ['exos', 'extremexos'],
  vendor: 'Extreme Networks',
  platform: 'ExtremeXOS',
  protocols: ['ssh', 'telnet'],
  mode: 'shell',
  prompt: /^\r?(?:\* )?(?:Slot-\d+ )?(?:VPEX )?\(?[\w\-.~]+\)?(?:[.:]\d+)? [#>] $/,
  comment: '# ',
  login: { username: /^login:\s*$/, password: /^\r*password:\s*$/ },
  setup: ['disable clipaging'],
  teardown: ['exit', 'n'],
  // leading CRs and trailing blanks everywhere: strip them line by line
  cleanup: [(o) => lines(sliceLines(o, 1, -2)).map((l) => rstrip(l.replaceAll('\r', ''))).join('\n') + '\n'],
  commands: [
    { command: 'show version', process: (o) => commentLines(o, '# ') },
    { command: 'show licenses', process: (o) => commentLines(o, '# ') },
    {
      command: 'show switch',
      process: (o) => commentLines(rejectLines(o.replace(/Next periodic save on.*/g, ''), /Time:/, /boot/i, /Next periodic/), '# '),
    },
    { command: 'show configuration', process: (o) => rejectLines(o, /^#(\s[\w -]+\s)(Configuration generated)/) },
  ],
  facts: [
    { fact: 'osVersion', command: 'show version', pattern: /ExtremeXOS version (\S+)/ },
    { fact: 'model', command: 'show switch', pattern: /^System Type:\s+(\S+)/m },
  ],
  secrets: [
    { pattern: /^(configure (?:radius|radius-accounting) (?:netlogin|mgmt-access) (?:primary|secondary) shared-secret encrypted).+/gm, replace: '$1 <secret hidden>' },
    { pattern: /^(configure account admin encrypted).+/gm, replace: '$1 <secret hidden>' },
    { pattern: /^(create account (?:admin|user) (?:.+) encrypted).+/gm, replace: '$1 <secret hidden>' },
  ],
  notes: 'Differs from Oxidized xos: show diagnostics and show policy detail are not collected (long, rarely configuration).',
};

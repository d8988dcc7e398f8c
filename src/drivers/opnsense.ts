// OPNsense (FreeBSD shell over SSH exec; the backup is config.xml). Port of Oxidized's `opnsense`.

import type { Driver } from './types.ts';
import { rb, xmlComment } from './helpers.ts';

export const opnsense: Driver = {
  id: 'opnsense',
  vendor: 'Deciso',
  platform: 'OPNsense',
  protocols: ['ssh'],
  mode: 'exec',
  prompt: rb(String.raw`^([\w.@-]+[#>]\s?)$`),
  comment: '# ',
  commands: [
    {
      command: 'cat /conf/config.xml',
      process: (cfg) =>
        cfg
          .replace(rb(String.raw`\s<revision>\s*<time>\d*<\/time>\s*.*\s*.*\s*<\/revision>`, 'g'), '')
          .replace(rb(String.raw`\s<last_rule_upd_time>\d*<\/last_rule_upd_time>`, 'g'), ''),
    },
    {
      command: 'opnsense-version || echo "OPNsense "`cat /usr/local/opnsense/version/opnsense`',
      process: (cfg, ctx) => {
        const m = /OPNsense\s+(\S+)/.exec(cfg);
        if (m) ctx.facts.osVersion ??= m[1];
        return xmlComment(cfg);
      },
    },
  ],
  restore: { method: 'replace', notes: 'upload config.xml and reload' },
  notes: 'The SSH user needs a shell (not the console menu). Password hashes stay in the backup.',
};

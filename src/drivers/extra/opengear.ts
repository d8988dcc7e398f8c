// Opengear console servers (CM7100, IM7200, ACM7000) running the classic Opengear Linux
// firmware: `config -g config` prints the whole configuration tree. SSH exec.
import type { Driver } from '../types.ts';
import { commentLines } from '../helpers.ts';

export const opengear: Driver = {
  id: 'opengear',
  aliases: ['og', 'opengear-cm'],
  vendor: 'Opengear',
  platform: 'Opengear console servers (CM/IM/ACM)',
  protocols: ['ssh'],
  mode: 'exec',
  prompt: /^[\w.@:~\/-]+[#$]\s?$/,
  comment: '# ',
  commands: [
    { command: 'cat /etc/version', process: (o) => commentLines(o, '# ') },
    { command: 'config -g config' },
  ],
  facts: [{ fact: 'osVersion', command: 'cat /etc/version', pattern: /Version (\S+)/ }],
  secrets: [
    { pattern: /password (\S+)/g, replace: 'password <secret removed>' },
    { pattern: /community (\S+)/g, replace: 'community <secret removed>' },
  ],
  notes: 'Operations Manager (OM) appliances use ogcli and are not covered.',
};

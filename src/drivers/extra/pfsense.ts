// Netgate pfSense: config.xml read over SSH exec (the user needs shell access; not "admin").
import type { Driver } from '../types.ts';
import { sliceLines } from '../helpers.ts';

export const pfsense: Driver = {
  id: 'pfsense',
  aliases: ['pf-sense'],
  vendor: 'Netgate',
  platform: 'pfSense',
  protocols: ['ssh'],
  mode: 'exec',
  prompt: /^[\w.@-]+[#$>]\s?$/,
  comment: '# ',
  // Oxidized drops the first line of the file (the XML declaration)
  cleanup: [(o) => sliceLines(o, 1, -1)],
  commands: [
    {
      command: 'cat /cf/conf/config.xml',
      // the revision block and the rule update time change on every save
      process: (o) =>
        o.replace(/[ \t\r\n\f\v]<revision>[ \t\r\n\f\v]*<time>\d*<\/time>[ \t\r\n\f\v]*[^\n]*[ \t\r\n\f\v]*[^\n]*[ \t\r\n\f\v]*<\/revision>/g, '')
          .replace(/[ \t\r\n\f\v]<last_rule_upd_time>\d*<\/last_rule_upd_time>/g, ''),
    },
  ],
  secrets: [
    { pattern: /(<bcrypt-hash>)[^<]*(<\/bcrypt-hash>)/g, replace: '$1<secret hidden>$2' },
    { pattern: /(<(?:password|pre-shared-key|secret|shared_secret|authkey)>)[^<]*(<\/)/g, replace: '$1<secret hidden>$2' },
  ],
};

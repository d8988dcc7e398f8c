// F5 BIG-IP TMOS, over SSH exec (the user's shell must be bash, or tmsh commands fail).
import type { Driver } from '../types.ts';
import { commentLines, rb } from '../helpers.ts';

const c = (o: string) => commentLines(o, '# ');
const META = rb('^\\s*(checksum SHA1:|revision |size |create-time|last-update-time|updated-by|created-by)\\b.*$', 'g');
const REVISION = rb('^.*\\brevision\\s+\\d+\\s*$', 'g');

export const tmos: Driver = {
  id: 'tmos',
  aliases: ['f5', 'bigip', 'big-ip'],
  vendor: 'F5',
  platform: 'BIG-IP TMOS',
  protocols: ['ssh'],
  mode: 'exec',
  prompt: /^[\w.@\[\]():\/ -]+[#>$]\s?$/,
  comment: '# ',
  cleanup: [(o) => o.replace(META, '').replace(REVISION, '')],
  commands: [
    { command: 'tmsh -q show sys version', process: c },
    { command: 'tmsh -q show sys software', process: c },
    {
      command: 'tmsh -q show sys hardware field-fmt',
      process: (o) => c(o.replace(/fan-speed (\S+)/g, '').replace(/temperature (\S+)/g, '').replace(/humidity (\S+)/g, '')),
    },
    { command: 'cat /config/bigip.license', process: c },
    {
      command: 'tmsh -q list',
      process: (o) =>
        o
          .replace(/state (up|down|checking|irule-down)/g, '')
          .replace(/errors (\d+)/g, '')
          .replace(rb('^\\s+bandwidth-bps (\\d+)', 'g'), '')
          .replace(rb('^\\s+bandwidth-cps (\\d+)', 'g'), '')
          .replace(rb('^\\s+bandwidth-pps (\\d+)\\n', 'g'), '')
          .replace(rb('^\\s*\\S*encrypted \\S+\\n', 'g'), ''),
    },
    { command: 'tmsh -q list net route all', process: c },
    { command: '/bin/ls --full-time --color=never /config/ssl/ssl.crt', process: c },
    { command: '/bin/ls --full-time --color=never /config/ssl/ssl.key', process: c },
    {
      command: 'tmsh -q show running-config sys db all-properties',
      process: (o) =>
        c(
          o
            .replace(/sys db configsync.localconfigtime {[^}]+}/g, '')
            .replace(/sys db gtm.configtime {[^}]+}/g, '')
            .replace(/sys db ltm.configtime {[^}]+}/g, ''),
        ),
    },
    { command: '[ -d "/config/zebos" ] && cat /config/zebos/*/ZebOS.conf', process: c },
    { command: 'cat /config/partitions/*/bigip*.conf', process: c },
  ],
  facts: [
    { fact: 'osVersion', command: 'tmsh -q show sys version', pattern: /^\s*Version\s+(\S+)/m },
    { fact: 'serial', command: 'tmsh -q show sys hardware field-fmt', pattern: /bigip-chassis-serial-num (\S+)/ },
    { fact: 'model', command: 'tmsh -q show sys hardware field-fmt', pattern: /marketing-name "([^"]+)"/ },
  ],
  secrets: [
    { pattern: rb('^([\\s\\t]*)secret \\S+', 'g'), replace: '$1secret <secret removed>' },
    { pattern: rb('^([\\s\\t]*\\S*)password \\S+', 'g'), replace: '$1password <secret removed>' },
    { pattern: rb('^([\\s\\t]*\\S*)passphrase \\S+', 'g'), replace: '$1passphrase <secret removed>' },
    { pattern: /community \S+/g, replace: 'community <secret removed>' },
    { pattern: /community-name \S+/g, replace: 'community-name <secret removed>' },
    { pattern: rb('^([\\s\\t]*\\S*)encrypted \\S+$', 'g'), replace: '$1encrypted <secret removed>' },
  ],
  notes: 'Same commands and filters as Oxidized tmos. F5OS (rSeries/VELOS) is a different platform.',
};

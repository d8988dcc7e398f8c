// Extreme (ex-Avaya) VSP Operating System Software (VOSS): VSP 4000/7200/7400/8000.
import type { Driver } from '../types.ts';
import { commentLines, dropFirstLast, rejectLines } from '../helpers.ts';

// "Temperature Info :" header, blank lines, the readings, and the blank line that closes it
const TEMPERATURE = /^Temperature Info :\n(?:[ \t]*\n)*(?:[^\n]*\S[^\n]*\n)+[ \t]*\n/m;

export const voss: Driver = {
  id: 'voss',
  aliases: ['vsp', 'fabric-engine'],
  vendor: 'Extreme Networks (Avaya)',
  platform: 'VOSS / Fabric Engine',
  protocols: ['ssh', 'telnet'],
  mode: 'shell',
  prompt: /^[^\s#>]+[#>]$/,
  comment: '# ',
  login: { username: /Login: $/, password: /Password: $/ },
  setup: ['enable', 'terminal more disable'],
  teardown: ['exit'],
  cleanup: [(o) => dropFirstLast(o)],
  commands: [
    {
      command: 'show sys-info',
      process: (o) => commentLines(rejectLines(o.replace(TEMPERATURE, ''), /SysUpTime/, /Total Power Usage/, /AmbientTemperature/), '# '),
    },
    {
      command: 'show running-config',
      process: (o) => rejectLines(o, /^Preparing to Display Configuration\.\.\./, /^# (?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) \w{3} +\d+ \d\d:\d\d:\d\d \d{4}/),
    },
  ],
  facts: [
    { fact: 'model', command: 'show sys-info', pattern: /Chassis\s+: (\S+)/ },
    { fact: 'serial', command: 'show sys-info', pattern: /Serial#\s+: (\S+)/ },
  ],
  secrets: [{ pattern: /^(snmp-server community) \S+/gm, replace: '$1 <secret hidden>' }],
  notes: 'Backs up the running config (Oxidized voss reads the saved config.cfg); temperature, power usage and uptime are removed.',
};

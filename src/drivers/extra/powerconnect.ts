// Dell PowerConnect (5500/6200/7000/8000) and Dell Networking N-series (OS6) switches.
import type { Driver } from '../types.ts';
import { commentLines, rejectLines, sliceLines } from '../helpers.ts';

// a sensor table: its "Xxx:" header, blank lines, the rows, and the blank line closing it
const SENSORS = /^(?:Temperature Sensors|Power Supplies|Fans):\n(?:[ \t]*\n)*(?:[^\n]*\S[^\n]*\n)*(?:[ \t]*\n)?/gm;

export const powerconnect: Driver = {
  id: 'powerconnect',
  aliases: ['dell-powerconnect', 'dell-n-series'],
  vendor: 'Dell',
  platform: 'PowerConnect / Networking N-series (OS6)',
  protocols: ['ssh', 'telnet'],
  mode: 'shell',
  prompt: /^[\w\s.@-]+(?:\(\S*\))?[#>]\s?$/,
  comment: '! ',
  login: { username: /^User(?: Name)?:\s*$/, password: /^\r?Password:\s*$/ },
  enable: { command: 'enable', passwordPrompt: /[pP]assword:\s*$/ },
  expect: [{ pattern: /^\s*--More--\s+[^\n]*$/m, send: ' ' }],
  setup: ['terminal datadump', 'terminal length 0'],
  teardown: ['logout', 'exit'],
  // echo first; a blank line and the prompt last
  cleanup: [(o) => sliceLines(o, 1, -3)],
  commands: [
    { command: 'show version', process: (o) => commentLines(rejectLines(o, /Up\sTime/), '! ') },
    // uptime and the temperature / power / fan tables change all the time
    { command: 'show system', process: (o) => commentLines(rejectLines(o.replace(SENSORS, ''), /Up\sTime/), '! ') },
    { command: 'show running-config', process: (o) => o.replace(/^(sflow \S+ destination owner \S+ timeout )\d+$/m, '! $1<timeout>') },
  ],
  facts: [{ fact: 'model', command: 'show system', pattern: /^Machine Type: (.+)$/m }],
  secrets: [
    { pattern: /^(username \S+ password (?:encrypted )?)\S+(.*)/gm, replace: '$1<hidden>$2' },
    { pattern: /^(tacacs-server key) \S+/gm, replace: '$1 <secret hidden>' },
  ],
  notes: 'Differs from Oxidized powerconnect in show system: the sensor tables are removed section by section and the other lines are kept as they are.',
};

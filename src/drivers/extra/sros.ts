// Nokia (Alcatel-Lucent) SR OS, classic CLI: 7750 SR, 7450 ESS, 7210 SAS, 7705 SAR.
// Every section starts with a "# COMMAND: <command>" line.
import type { Driver } from '../types.ts';
import { commentLines, dropFirstLast } from '../helpers.ts';

const section = (command: string, body: string) => `# COMMAND: ${command}\n${body}`;

export const sros: Driver = {
  id: 'sros',
  aliases: ['timos', 'nokia-sros'],
  vendor: 'Nokia',
  platform: 'SR OS (classic CLI)',
  protocols: ['ssh', 'telnet'],
  mode: 'shell',
  prompt: /^\*?[A-B]:[-\w.:>*]+\s?[#>]\s?$/,
  comment: '# ',
  login: { username: /^Login: $/, password: /^Password: $/ },
  setup: ['environment no more'],
  teardown: ['logout'],
  cleanup: [(o) => dropFirstLast(o.replace(/# Finished .*/g, '').replace(/# Generated .*/g, '').replaceAll('\r', ''))],
  commands: [
    { command: 'show bof', process: (o) => section('show bof', commentLines(o, '# ')) },
    { command: 'show system information', process: (o) => section('show system information', commentLines(o.replace(/^System Up Time.*\n/m, ''), '# ')) },
    { command: 'show card state', process: (o) => section('show card state', commentLines(o, '# ')) },
    { command: 'admin display-config', process: (o) => section('admin display-config', o) },
  ],
  facts: [
    { fact: 'model', command: 'show system information', pattern: /^System Type\s+: (.+)/m },
    { fact: 'osVersion', command: 'show system information', pattern: /^System Version\s+: (\S+)/m },
  ],
  secrets: [
    { pattern: /(password|authentication-key|secret|hash2?|community) "[^"]*"/g, replace: '$1 "<secret hidden>"' },
  ],
  notes: 'Subset of Oxidized sros (bof, system information, card state, config); the "# Generated"/"# Finished" timestamps are blanked. MD-CLI (srosmd) is not covered.',
};

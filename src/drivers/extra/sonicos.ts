// SonicWall SonicOS 6.5/7 (TZ, NSa, NSsp) CLI, prompt "user@serial> ".
import type { Driver } from '../types.ts';
import { commentLines, dropFirstLast, lines, strip } from '../helpers.ts';

/** Oxidized's sonicos clean: clock, uptime and checksum lines out, every line stripped. */
function clean(text: string): string {
  const out: string[] = [];
  for (let line of lines(text)) {
    if (/system-time "\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}:\d{2}.\d+"/.test(line)) continue;
    if (/system-uptime "(\s+up\s+\d+\s+)|(.*Days.*)"/.test(line)) continue;
    if (/checksum \d+/.test(line)) continue;
    if (line.startsWith('\r')) line = line.slice(1);
    out.push(strip(line));
  }
  return out.join('\n') + '\n';
}

export const sonicos: Driver = {
  id: 'sonicos',
  aliases: ['sonicwall'],
  vendor: 'SonicWall',
  platform: 'SonicOS',
  protocols: ['ssh'],
  mode: 'shell',
  prompt: /^\w+@\w+>(?:\(.+\))?\s?$/,
  comment: '! ',
  setup: ['no cli pager session'],
  teardown: ['exit'],
  cleanup: [(o) => dropFirstLast(o)],
  commands: [
    { command: 'show version', process: (o) => commentLines(clean(o), '! ') + '\n' },
    { command: 'show current-config', process: (o) => clean(o.replace(/^: [^\n]*\n/gm, '')) },
  ],
  facts: [
    { fact: 'model', command: 'show version', pattern: /^model "([^"]+)"/m },
    { fact: 'serial', command: 'show version', pattern: /^serial-number (\S+)/m },
    { fact: 'osVersion', command: 'show version', pattern: /^firmware-version "([^"]+)"/m },
  ],
  secrets: [
    { pattern: /cli ftp password default \d,(\S+)/g, replace: 'cli ftp password default <secret hidden>' },
    { pattern: /secret \d,(\S+)/g, replace: 'secret <secret hidden>' },
    { pattern: /shared-secret \d,(\S+)/g, replace: 'shared-secret <secret hidden>' },
    { pattern: /(password) \d,\S+/g, replace: '$1 <secret hidden>' },
  ],
  notes: 'Like Oxidized sonicos, lines are stripped of their indentation.',
};

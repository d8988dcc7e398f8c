// APC (Schneider Electric) Network Management Card, AOS. Port of Oxidized's `apcaos`:
// three status commands over SSH, then config.ini fetched as a file (SCP upstream).
// The file part needs `SessionOptions.fetchFile` (SCP/SFTP); without it the backup fails
// with a config_error rather than silently missing the configuration.

import { NetkeepError } from '../errors.ts';
import type { Driver } from './types.ts';
import { commentLines, rb, rejectLines, sliceLines } from './helpers.ts';

const C = '; ';
const clean = (cfg: string) => sliceLines(cfg, 2, -2).replace(/\r/g, '');

export const apcaos: Driver = {
  id: 'apcaos',
  aliases: ['apc', 'apc-nmc'],
  vendor: 'APC / Schneider Electric',
  platform: 'Network Management Card AOS (UPS)',
  protocols: ['ssh'],
  mode: 'shell',
  prompt: rb(String.raw`^(:?\S+@)?apc>`),
  comment: C,
  teardown: ['exit'],
  cleanup: [(cfg) => clean(cfg)],
  commands: [
    { command: 'about', process: (cfg) => commentLines(rejectLines(cfg, rb('^Management Uptime: '), rb('^Date: '), rb('^Time: ')), C) },
    { command: 'upsabout', process: (cfg) => commentLines(cfg, C) },
    { command: 'detstatus -ss', process: (cfg) => commentLines(cfg, C) },
    {
      label: 'config.ini (file download)',
      run: async (ctx) => {
        if (!ctx.fetchFile) {
          throw new NetkeepError('config_error', 'the apcaos driver needs config.ini by SCP/SFTP, and no file transport is available for this device; enable SCP on the card');
        }
        const ini = await ctx.fetchFile('config.ini');
        return '; ========== config.ini ==========\n' + rejectLines(ini, rb('^; Configuration file, generated on '));
      },
    },
  ],
  facts: [
    { fact: 'serial', command: 'about', pattern: rb(String.raw`^Serial Number:\s*(\S+)`) },
    { fact: 'model', command: 'upsabout', pattern: rb(String.raw`^Model:\s*(.+?)\s*$`) },
  ],
  restore: { method: 'replace', notes: 'upload config.ini by SCP' },
};

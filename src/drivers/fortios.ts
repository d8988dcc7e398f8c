// Fortinet FortiOS on VM appliances (FortiManager, FortiAnalyzer, FortiADC...). Port of Oxidized's `fortios`.

import type { Driver } from './types.ts';
import { commentLines, rb, rejectLines } from './helpers.ts';
import { FORTI_CLEANUP, FORTI_EXPECT, FORTI_LOGIN, FORTI_SECRETS, FORTI_SIGNIFICANT_KEYS } from './fortinet.ts';

const C = '# ';

export const fortios: Driver = {
  id: 'fortios',
  aliases: ['fortimanager', 'fortianalyzer', 'fortiadc'],
  vendor: 'Fortinet',
  platform: 'FortiOS VM appliances (FortiManager, FortiAnalyzer, FortiADC)',
  protocols: ['ssh', 'telnet'],
  mode: 'shell',
  prompt: rb(String.raw`^(\(\w\) )?([-\w.~()]+(\s[(\w\-.)]+)?~?\s?[#>$]\s?)$`),
  comment: C,
  login: FORTI_LOGIN,
  expect: FORTI_EXPECT,
  teardown: ['exit'],
  cleanup: FORTI_CLEANUP,
  commands: [
    {
      command: 'get system status',
      process: (cfg) =>
        commentLines(
          rejectLines(cfg, 'Current Time', 'Disk Usage', 'Release Version Information', 'Branch Point', 'Daylight Time Saving', 'Time Zone', 'x86-64 Applications', 'File System', 'Image Signature') + '\n',
          C,
        ),
    },
    { command: 'show', process: (cfg) => rejectLines(cfg, '#config-version=') },
  ],
  facts: [
    { fact: 'model', command: 'get system status', pattern: rb(String.raw`^Platform Type\s*:\s*(\S+)`) },
    { fact: 'osVersion', command: 'get system status', pattern: rb(String.raw`^Version\s*:\s*(\S+)`) },
    { fact: 'serial', command: 'get system status', pattern: rb(String.raw`^Serial Number\s*:\s*(\S+)`) },
  ],
  secrets: FORTI_SECRETS,
  significant: FORTI_SIGNIFICANT_KEYS,
  restore: { method: 'merge' },
};

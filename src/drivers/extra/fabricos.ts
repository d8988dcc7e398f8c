// Brocade (Broadcom) Fabric OS Fibre Channel switches, over SSH exec.
import type { Driver } from '../types.ts';
import { commentLines, rejectLines } from '../helpers.ts';

export const fabricos: Driver = {
  id: 'fabricos',
  aliases: ['fos', 'brocade-fc'],
  vendor: 'Broadcom (Brocade)',
  platform: 'Fabric OS',
  protocols: ['ssh'],
  mode: 'exec',
  prompt: /^[\w.-]+(?::[\w]+)+>\s$/,
  comment: '# ',
  commands: [
    // FRU counters (time alive/awake, last update) change every day
    { command: 'chassisShow', process: (o) => commentLines(rejectLines(o, /^\s*(?:Time Alive|Time Awake|Update):/), '# ') },
    { command: 'configShow -all', process: (o) => rejectLines(o, /^date = /) },
  ],
  facts: [
    { fact: 'osVersion', command: 'configShow -all', pattern: /^FOS version = (\S+)/m },
    { fact: 'serial', command: 'chassisShow', pattern: /^Chassis Factory Serial Num:\s+(\S+)/m },
  ],
  secrets: [{ pattern: /^(snmp\.(?:snmpv1|snmpv3)\S*(?:[Cc]ommunity|[Pp]ass)\S*:).*/gm, replace: '$1<secret hidden>' }],
  notes: 'Unlike Oxidized fabricos, FRU "Time Alive/Time Awake/Update" lines and the configShow upload date are removed.',
};

// Fortinet FortiGate. Port of Oxidized's `fortigate` model.

import type { Driver } from './types.ts';
import { commentLines, gsub, keepLines, matches, rb, rejectLines } from './helpers.ts';
import { FORTI_CLEANUP, FORTI_EXPECT, FORTI_LOGIN, FORTI_SECRETS, FORTI_SIGNIFICANT_KEYS } from './fortinet.ts';

const C = '# ';
const comment = (t: string) => commentLines(t, C);

export const fortigate: Driver = {
  id: 'fortigate',
  aliases: ['fortios-fortigate'],
  vendor: 'Fortinet',
  platform: 'FortiGate (FortiOS)',
  protocols: ['ssh', 'telnet'],
  mode: 'shell',
  prompt: rb(
    String.raw`
    ^
    (?:\(\w\)\ )?          # optional status indicator, e.g. "(M) "
    [-\w.~]+               # hostname
    (?:\((?:\w+)\))?       # optional HA cluster status (Primary|Secondary)
    (?:\ [(\w\-.)]+)?      # optional VDOM
    ~?\ ?[#>$]\ ?$         # End of prompt
  `,
    'x',
  ),
  comment: C,
  login: FORTI_LOGIN,
  expect: FORTI_EXPECT,
  teardown: ['exit'],
  cleanup: FORTI_CLEANUP,
  commands: [
    {
      command: 'get system status',
      process: (cfg, ctx) => {
        ctx.state.vdom = matches(rb('^Virtual domain configuration: (enable|multiple)'), cfg);
        ctx.state.ha = matches(rb('^Current HA mode: a-'), cfg);
        const v = rb(String.raw`^Version: (.+?)\s*$`).exec(cfg);
        if (v) {
          const [model, ...rest] = v[1].split(' ');
          ctx.facts.model ??= model;
          if (rest.length) ctx.facts.osVersion ??= rest.join(' ');
        }
        const s = rb(String.raw`^Serial-Number: (\S+)`).exec(cfg);
        if (s) ctx.facts.serial ??= s[1];
        const kept = keepLines(
          cfg,
          'Version: ', 'Security Level: ', 'Serial-Number: ', 'BIOS version: ', 'System Part-Number: ', 'Hostname: ',
          'Operation Mode: ', 'Current virtual domain: ', 'Max number of virtual domains: ', 'Virtual domains status:',
          'Virtual domain configuration: ', 'FIPS-CC mode: ', 'Current HA mode: ', 'Private Encryption: ',
          'License Expiration Date: ', 'License Status: ', 'VM Resources: ',
        );
        return comment(kept + '\n');
      },
    },
    { command: 'config global', when: (ctx) => !!ctx.state.vdom, discard: true },
    {
      command: 'get system ha status',
      when: (ctx) => !!ctx.state.ha,
      process: (cfg) =>
        comment(keepLines(cfg, 'HA Health Status:', 'Model: ', 'Mode: ', 'number of member: ', rb('^(Master|Slave|Primary|Secondary): ')) + '\n'),
    },
    { command: 'get hardware status', process: (cfg) => comment(cfg) },
    {
      command: 'diagnose hardware deviceinfo psu',
      process: (cfg) => (matches(/Command fail\./, cfg) || matches(/Power Supply +Status/, cfg) ? '' : comment(cfg)),
    },
    {
      command: 'get system interface transceiver',
      process: (cfg) =>
        comment(rejectLines(keepLines(cfg, rb(String.raw`^Interface \w`), 'Vendor Name', 'Part No.', 'Serial No.'), 'Transceiver is not detected') + '\n'),
    },
    {
      command: 'diagnose autoupdate version',
      when: (ctx) => !!ctx.vars.fortigate_autoupdate,
      process: (cfg) => comment(rejectLines(cfg.replace(rb(String.raw`FDS Address\n---------\n.*\n`), ''), 'Last Update', 'Result :')),
    },
    { command: 'end', when: (ctx) => !!ctx.state.vdom, discard: true },
    {
      command: (ctx) => (ctx.vars.fullconfig ? 'show full-configuration | grep .' : 'show | grep .'),
      process: (cfg) =>
        rejectLines(cfg, '#conf_file_ver=').replace(rb(String.raw`(set comments "Error \(No order found for account ID \d+\) on).*`, 'g'), '$1 <stripped>'),
    },
  ],
  options: {
    fortigate_autoupdate: { type: 'boolean', description: 'also back up `diagnose autoupdate version`', aliases: ['fortios_autoupdate'] },
    fullconfig: { type: 'boolean', description: 'use `show full-configuration` (all defaults included)' },
  },
  secrets: FORTI_SECRETS,
  significant: [
    (t) => rejectLines(t, rb(String.raw`^ +set \S+ ENC \S+$`)),
    gsub(rb(String.raw`(config firewall internet-service-name\n).*?(\nend\n)`, 'm'), ''),
    ...FORTI_SIGNIFICANT_KEYS.slice(1),
  ],
  restore: { method: 'merge' },
};

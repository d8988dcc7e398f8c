// Check Point Gaia (clish). The backup user's shell must be /etc/cli.sh. On VSX gateways
// the configuration of every virtual system is collected.
import type { Driver, DriverContext } from '../types.ts';
import { commentLines, dropFirstLast, rb } from '../helpers.ts';

const exported = (cfg: string) => cfg.replace(rb('^# Exported by \\S+ on .*', 'g'), '# ');

async function vsxConfigs(ctx: DriverContext): Promise<string> {
  const systems = await ctx.cmd('show virtual-system all');
  let all = '';
  for (const m of systems.matchAll(/^(\d+)\s+(.*\S)/gm)) {
    all += `\n\n\n#--------======== [ VS ${m[1]} - ${m[2]} ] ========--------\n\n`;
    all += `set virtual-system ${m[1]}\n\n`;
    await ctx.cmd(`set virtual-system ${m[1]}`);
    all += exported(await ctx.cmd('show configuration'));
  }
  return all;
}

export const gaiaos: Driver = {
  id: 'gaiaos',
  aliases: ['gaia', 'checkpoint', 'check-point'],
  vendor: 'Check Point',
  platform: 'Gaia OS (clish)',
  protocols: ['ssh'],
  mode: 'shell',
  prompt: /^[\[\]\w.@:-]+[#>]\s?$/,
  comment: '# ',
  setup: ['set clienv rows 0'],
  teardown: ['exit'],
  cleanup: [(o) => dropFirstLast(o)],
  commands: [
    { command: 'show vsx', discard: true, process: (o, ctx) => ((ctx.state.vsx = o.includes('VSX Enabled')), '') },
    { command: 'show asset all', process: (o) => commentLines(o, '# ') },
    { command: 'show version all', process: (o) => commentLines(o, '# ') },
    { command: 'show configuration', when: (ctx) => !ctx.state.vsx, phase: 'post', process: (o) => exported(o) },
    { run: vsxConfigs, when: (ctx) => !!ctx.state.vsx, phase: 'post', label: 'show configuration of every virtual system' },
  ],
  facts: [
    { fact: 'model', command: 'show asset all', pattern: /^Platform: (.+)/m },
    { fact: 'serial', command: 'show asset all', pattern: /^Serial Number: (\S+)/m },
    { fact: 'osVersion', command: 'show version all', pattern: /^Product version (.+)/m },
  ],
  secrets: [
    { pattern: rb('^(set expert-password-hash ).*', 'g'), replace: '$1<EXPERT PASSWORD REMOVED>' },
    { pattern: rb('^(set user \\S+ password-hash ).*', 'g'), replace: '$1<USER PASSWORD REMOVED>' },
    { pattern: rb('^(set ospf .* secret ).*', 'g'), replace: '$1<OSPF KEY REMOVED>' },
    { pattern: rb('^(set snmp community )(.*)( read-only.*)', 'g'), replace: '$1<SNMP COMMUNITY REMOVED>$3' },
    { pattern: rb('(auth|privacy)(-pass-phrase-hashed )(\\S*)', 'g'), replace: '$1-pass-phrase-hashed <SNMP PASS-PHRASE REMOVED>' },
  ],
  notes: 'The "# Exported by <user> on <date>" line is reduced to "# " as in Oxidized gaiaos.',
};

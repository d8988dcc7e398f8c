// Cisco ASA. Port of Oxidized's `asa` model (output compatible).

import type { Driver, DriverContext } from './types.ts';
import { commentLines, dropFirstLast, gsub, matches, rb, rejectLines, sliceLines } from './helpers.ts';

const C = '! ';
const comment = (t: string) => commentLines(t, C);

async function single(ctx: DriverContext): Promise<string> {
  let cfg = await ctx.cmd('more system:running-config');
  cfg = sliceLines(cfg, 3);
  cfg = cfg.replace(rb(String.raw`^: [^\n]*\n`, 'g'), '');
  let out = cfg;
  const re = /(\sdisk0:\/[^\n]+\.xml)/g;
  for (const m of cfg.matchAll(re)) {
    const file = m[1];
    out += comment(file + '\n') + comment(await ctx.cmd(`more${file}`));
  }
  if (matches(/dynamic-access-policy-record\s(?!DfltAccessPolicy)/, cfg)) {
    out += comment('disk0:/dap.xml\n') + comment(await ctx.cmd('more disk0:/dap.xml'));
  }
  return out;
}

async function multiple(ctx: DriverContext): Promise<string> {
  await ctx.cmd('changeto system');
  const system = await ctx.cmd('show running-config');
  let out = '\n\n' + system + '\n\n';
  const contexts = [...system.matchAll(rb(String.raw`^context (\S+)$`, 'g'))].map((m) => m[1]);
  const urls = [...system.matchAll(rb(String.raw`config-url (\S+)$`, 'g'))].map((m) => m[1]);
  for (let i = 0; i < contexts.length; i++) {
    const url = urls[i] ?? '';
    out += `\n\n----------========== [ CONTEXT ${contexts[i]} FILE ${url} ] ==========----------\n\n`;
    out += '\n\n' + (await ctx.cmd(`more ${url}`));
  }
  return out;
}

export const asa: Driver = {
  id: 'asa',
  aliases: ['cisco-asa'],
  vendor: 'Cisco',
  platform: 'ASA',
  protocols: ['ssh'],
  mode: 'shell',
  prompt: rb(String.raw`^\r*([\w.@()-\/]+[#>]\s?)$`),
  comment: C,
  enable: { command: 'enable' },
  setup: ['terminal pager 0'],
  teardown: ['exit'],
  cleanup: [(cfg) => dropFirstLast(cfg)],
  commands: [
    { command: 'show mode', discard: true, process: (cfg, ctx) => ((ctx.state.multiple = cfg.includes('multiple')), '') },
    {
      command: 'show version',
      process: (cfg, ctx) => {
        const m = rb(String.raw`^Hardware:\s+([^,\n]+)`).exec(cfg);
        if (m) ctx.facts.model ??= m[1].trim();
        const v = rb(String.raw`Software Version (\S+)`).exec(cfg);
        if (v) ctx.facts.osVersion ??= v[1];
        const s = rb(String.raw`^Serial Number: (\S+)`).exec(cfg);
        if (s) ctx.facts.serial ??= s[1];
        return comment(
          rejectLines(
            cfg,
            rb(String.raw`(\s+up\s+\d+\s+)|(.*days.*)`),
            rb('^Configuration has not been modified since last system restart.*'),
            rb('^Configuration last modified by.*'),
            rb('^Start-up time.*'),
          ),
        );
      },
    },
    { command: 'show inventory', process: (cfg) => comment(cfg) },
    { label: 'running config (single or multi context)', phase: 'post', run: (ctx) => (ctx.state.multiple ? multiple(ctx) : single(ctx)) },
  ],
  secrets: [
    gsub(rb(String.raw`enable password (\S+) (.*)`), 'enable password <secret hidden> $2'),
    gsub(rb(String.raw`^passwd (\S+) (.*)`), 'passwd <secret hidden> $2'),
    gsub(rb(String.raw`username (\S+) password (\S+) (.*)`), 'username $1 password <secret hidden> $3'),
    gsub(rb(String.raw`(ikev[12] ((remote|local)-authentication )?pre-shared-key( hex)?) (\S+)`), '$1 <secret hidden>'),
    gsub(rb(String.raw`^(aaa-server \S+(?: \(\S+\))? host \S+\n(?: [^\n]+\n)* +key) \S+$`, 'mi'), '$1 <secret hidden>'),
    gsub(rb(String.raw`ldap-login-password (\S+)`), 'ldap-login-password <secret hidden>'),
    gsub(rb(String.raw`^snmp-server host (.*) community (\S+)`), 'snmp-server host $1 community <secret hidden>'),
    gsub(rb(String.raw`^(failover key) .+`), '$1 <secret hidden>'),
    gsub(rb(String.raw`^(\s+ospf message-digest-key \d+ md5) .+`), '$1 <secret hidden>'),
    gsub(rb(String.raw`^(\s+ospf authentication-key) .+`), '$1 <secret hidden>'),
    gsub(rb(String.raw`^(\s+neighbor \S+ password) .+`), '$1 <secret hidden>'),
  ],
  restore: { method: 'merge' },
};

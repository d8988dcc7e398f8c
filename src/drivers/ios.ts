// Cisco IOS / IOS-XE. Port of Oxidized's `ios` model (output compatible).

import type { Driver, DriverContext } from './types.ts';
import { commentLines, dropFirstLast, gsub, lines, matches, rb, rejectLines, sliceLines, strip, sub } from './helpers.ts';

const C = '! ';

// show version patterns, compiled once
const V0 = rb(String.raw`^Slave in slot (\d+) is running`);
const V1 = rb(String.raw`^Compiled (.*)$`);
const V2 = rb(String.raw`^(?:Cisco )?IOS .* Software,? \(([A-Za-z0-9_-]*)\), .*Version\s+(.*)$`);
const V3 = rb(String.raw`^ROM: (IOS \S+ )?(System )?Bootstrap.*(Version.*)$`);
const V4 = rb(String.raw`^BOOTFLASH: .*(Version.*)$`);
const V5 = rb(String.raw`^(\d+[kK]) bytes of (non-volatile|NVRAM)`);
const V6 = rb(String.raw`^(\d+[kK]) bytes of (flash memory|flash internal|processor board System flash|ATA CompactFlash)`, 'i');
const V7 = rb(String.raw`^(\d+[kK]) bytes of (Flash|ATA)?.*PCMCIA .*(slot|disk) ?(\d)`, 'i');
const V8 = rb(String.raw`(\S+(?:\sseries)?)\s+(?:\(([\S ]+)\)\s+processor|\(revision[^)]+\)).*\s+with (\S+k) bytes`, 'i');
const V9 = rb(String.raw`processor board id (\S+)`, 'i');
const V10 = rb(String.raw`^System image file is "([^"]*)"$`);

function showVersion(cfg: string, ctx: DriverContext): string {
  const ls = lines(cfg);
  const out: (string | undefined)[] = [ls[0] ?? ''];
  ls.forEach((line, i) => {
    let slave = '';
    let slaveslot = '';
    let m: RegExpExecArray | null;
    if ((m = V0.exec(line))) {
      slave = ' Slave:';
      slaveslot = `, slot ${m[1]}`;
    }
    if ((m = V1.exec(line))) out.push(`Image:${slave} Compiled: ${m[1]}`);
    if ((m = V2.exec(line))) {
      out.push(`Image:${slave} Software: ${m[1]}, ${m[2]}`);
      ctx.facts.osVersion ??= m[2].split(',')[0].trim();
    }
    if ((m = V3.exec(line))) out.push(`ROM Bootstrap: ${m[3]}`);
    if ((m = V4.exec(line))) out.push(`BOOTFLASH: ${m[1]}`);
    if ((m = V5.exec(line))) out.push(`Memory: nvram ${m[1]}`);
    if ((m = V6.exec(line))) out.push(`Memory: flash ${m[1]}`);
    if ((m = V7.exec(line))) out.push(`Memory: pcmcia ${m[2] ?? ''} ${m[3]}${m[4]} ${m[1]}`);
    if ((m = V8.exec(line))) {
      const [, sproc, cpu = '', mem] = m;
      let cpuxtra = '';
      out.push(`Chassis type:${slave} ${sproc}`);
      out.push(`Memory:${slave} main ${mem}`);
      ctx.facts.model ??= sproc;
      const next = ls[i + 1];
      let p: RegExpExecArray | null;
      if (next !== undefined && (p = V9.exec(next))) {
        out.push(`Processor ID: ${p[1]}`);
        ctx.facts.serial ??= p[1];
      }
      const next2 = ls[i + 2];
      let cpuRe: RegExp;
      try {
        cpuRe = rb(`(cpu at |processor: |${cpu} processor,)`, 'i');
      } catch {
        cpuRe = rb('(cpu at |processor: )', 'i');
      }
      if (next2 !== undefined && cpuRe.test(next2)) {
        cpuxtra = (', ' + next2.replace(/implementation/g, 'impl')).replace(/\r?\n$|\r$/, '');
      }
      out.push(`CPU:${slave} ${cpu}${cpuxtra}${slaveslot}`);
    }
    if (/^Motherboard/.test(line)) {
      const s = strip(line);
      out.push(s === line ? undefined : s);
    }
    if ((m = V10.exec(line))) out.push(`Image: ${m[1]}`);
  });
  out.push('\n');
  return commentLines(out.map((x) => x ?? '').join('\n'), C);
}

function showVtp(cfg: string): string {
  cfg = cfg.replace(rb(String.raw`^$\n`, 'g'), '');
  cfg = cfg.replace(rb(String.raw`Configuration last modified by.*\n`, 'g'), '');
  if (cfg.length > 0) cfg = cfg.replace(rb('^', 'g'), 'VTP: ');
  return commentLines(cfg + '\n', C);
}

function runningConfig(cfg: string, ctx: DriverContext): string {
  cfg = sliceLines(cfg, 3);
  cfg = rejectLines(cfg, rb('^ntp clock-period '), rb(String.raw`^Current configuration : \S+`));
  if (!ctx.significantOnly) cfg = rejectLines(cfg, rb(String.raw`^! (Last|No) configuration change (at|since)(?!.*\d+ by \S+$)`));
  cfg = cfg.replace(
    rb(String.raw`^ tunnel mpls traffic-eng bandwidth[^\n]*\n*(
                    (?: [^\n]*\n*)*
                    tunnel mpls traffic-eng auto-bw)`, 'mxg'),
    '$1',
  );
  cfg = cfg.replace(rb(String.raw`^(\s+expression) \d+$`, 'g'), '$1 <value removed>');
  return cfg;
}

export const ios: Driver = {
  id: 'ios',
  aliases: ['cisco-ios', 'iosxe', 'ios-xe'],
  vendor: 'Cisco',
  platform: 'IOS / IOS-XE',
  protocols: ['ssh', 'telnet'],
  mode: 'shell',
  prompt: rb(String.raw`^([\w.@()-]+[#>]\s?)$`),
  comment: C,
  login: { username: /^Username:/i, password: /^Password:/i },
  enable: { command: 'enable', passwordPrompt: /password/i, order: 'after' },
  setup: ['terminal length 0', 'terminal width 0'],
  teardown: ['exit'],
  cleanup: [
    (cfg) => dropFirstLast(cfg.replace(rb(String.raw`^% Invalid input detected at '\^' marker\.$|^\s+\^$`, 'g'), '')),
  ],
  commands: [
    { command: 'show version', process: showVersion },
    { command: 'show vtp status', process: showVtp },
    { command: 'show inventory', process: (cfg) => commentLines(cfg, C) },
    {
      command: (ctx) => (ctx.vars.ios_rbac ? 'show running-config view full' : 'show running-config'),
      process: runningConfig,
      phase: 'post',
    },
  ],
  options: {
    ios_rbac: { type: 'boolean', description: 'use `show running-config view full` (RBAC-limited users)' },
  },
  secrets: [
    sub(rb(String.raw`^(snmp-server community).*`, 'g'), '$1 <configuration removed>'),
    sub(rb(String.raw`^(snmp-server host \S+( vrf \S+)?( informs?)?( version (1|2c))?) +\S+( .*)?$*`, 'g'), '$1 <secret hidden>$6'),
    sub(rb(String.raw`^(username .+ (password|secret) \d) .+`, 'g'), '$1 <secret hidden>'),
    sub(rb(String.raw`^(enable (password|secret)( level \d+)? \d) .+`, 'g'), '$1 <secret hidden>'),
    sub(rb(String.raw`^( +(?:password|secret)) (?:\d )?\S+`, 'g'), '$1 <secret hidden>'),
    sub(rb(String.raw`^(.*wpa-psk ascii \d) (\S+)`, 'g'), '$1 <secret hidden>'),
    sub(rb(String.raw`^(.*key 7) (\d.+)`, 'g'), '$1 <secret hidden>'),
    sub(rb(String.raw`^(tacacs-server (.+ )?key) .+`, 'g'), '$1 <secret hidden>'),
    sub(rb(String.raw`^(crypto isakmp key) (\S+) (.*)`, 'g'), '$1 <secret hidden> $3'),
    sub(rb(String.raw`^( +ip ospf message-digest-key \d+ md5) .+`, 'g'), '$1 <secret hidden>'),
    sub(rb(String.raw`^( +ip ospf authentication-key) .+`, 'g'), '$1 <secret hidden>'),
    sub(rb(String.raw`^( +neighbor \S+ password) .+`, 'g'), '$1 <secret hidden>'),
    sub(rb(String.raw`^( +vrrp \d+ authentication text) .+`, 'g'), '$1 <secret hidden>'),
    sub(rb(String.raw`^( +standby \d+ authentication) .{1,8}$`, 'g'), '$1 <secret hidden>'),
    sub(rb(String.raw`^( +standby \d+ authentication md5 key-string) .+?( timeout \d+)?$`, 'g'), '$1 <secret hidden> $2'),
    sub(rb(String.raw`^( +key-string) .+`, 'g'), '$1 <secret hidden>'),
    sub(rb(String.raw`^((tacacs|radius) server [^\n]+\n( +[^\n]+\n)* +key) [^\n]+$`, 'g'), '$1 <secret hidden>'),
    sub(rb(String.raw`^( +ppp (chap|pap) password \d) .+`, 'g'), '$1 <secret hidden>'),
    sub(rb(String.raw`^( +security wpa psk set-key (?:ascii|hex) \d) (.*)$`, 'g'), '$1 <secret hidden>'),
    sub(rb(String.raw`^( +dot1x username \S+ password \d) (.*)$`, 'g'), '$1 <secret hidden>'),
    sub(rb(String.raw`^( +mgmtuser username \S+ password \d) (.*) (secret \d) (.*)$`, 'g'), '$1 <secret hidden> $3 <secret hidden>'),
    sub(rb(String.raw`^( +client \S+ server-key \d) (.*)$`, 'g'), '$1 <secret hidden>'),
    sub(rb(String.raw`^( +domain-password) \S+ ?(.*)`, 'g'), '$1 <secret hidden> $2'),
    sub(rb(String.raw`^( +pre-shared-key).*`, 'g'), '$1 <configuration removed>'),
    sub(rb(String.raw`^(.*server-key(?: \d)?) \S+`, 'g'), '$1 <secret hidden>'),
  ],
  significant: [
    (t) => rejectLines(t, rb(String.raw`^! (Last|No) configuration change (at|since)`), '! NVRAM config last updated at'),
  ],
  restore: {
    method: 'replace',
    notes:
      'replace: the config is copied by SCP to flash:, then `configure replace … force revert trigger error timer N` makes it the running config ' +
      '(IOS reverts by itself if a line fails, and after N minutes unless netkeep confirms with `configure confirm` once the config it reads back matches); ' +
      'merge: the lines are typed in `configure terminal` on top of the running config (lines the version lacks stay)',
    replaceFile: 'flash:netkeep-restore.cfg',
    replace: (path, o) => [`configure replace ${path} force revert trigger error timer ${o.confirmMinutes}`],
    confirm: ['configure confirm'],
    rollback: ['configure revert now'],
    rejected: /^\s*(% ?(Invalid|Incomplete|Ambiguous|Unknown|Error)[^\n]*|The following command[^\n]* failed[^\n]*)$/im,
    commentLine: /^\s*!/,
  },
};

void gsub;
void matches;

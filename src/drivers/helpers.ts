// Small helpers for drivers: Ruby-regex porting and Oxidized's text helpers with their
// exact semantics (lines keep their "\n", comment() prefixes every line, ...).

import type { EnableSpec, RewriteRule, TextRule } from './types.ts';

const RUBY_SPACE = ' \\t\\r\\n\\f\\v';

/**
 * Port a Ruby regex to an equivalent JS RegExp.
 * `flags`: Ruby flags `i`, `m` (dot matches newline), `x` (extended), plus `g` to get a
 * JS global regex (Ruby gsub). Translations:
 *  `^` → line start that ignores CR and never matches at the very end after a final "\n";
 *  `$` → before "\n" or at the end; `.` → `[^\n]` (or any char with /m);
 *  `\A` `\z` `\Z` → string anchors; `\h` `\H` → hex digit classes; `\e` → ESC;
 *  `\s` `\S` → ASCII whitespace only (JS `\s` would eat byte 0xA0 of UTF-8 text);
 *  `(?'name'…)` → `(?<name>…)`; /x whitespace and comments removed.
 */
export function rb(source: string | RegExp, flags = ''): RegExp {
  const src = typeof source === 'string' ? source : source.source;
  const ext = flags.includes('x');
  const dotAll = flags.includes('m');
  let out = '';
  let inClass = false;
  for (let i = 0; i < src.length; ) {
    const c = src[i];
    if (c === '\\') {
      const n = src[i + 1] ?? '';
      i += 2;
      if (inClass) {
        if (n === 'h') out += '0-9a-fA-F';
        else if (n === 'e') out += '\\x1b';
        else if (n === 's') out += RUBY_SPACE;
        else out += '\\' + n;
        continue;
      }
      switch (n) {
        case 'h': out += '[0-9a-fA-F]'; break;
        case 'H': out += '[^0-9a-fA-F]'; break;
        case 'A': out += '^'; break;
        case 'z': out += '$'; break;
        case 'Z': out += '(?=\\n?$)'; break;
        case 'e': out += '\\x1b'; break;
        case 's': out += `[${RUBY_SPACE}]`; break;
        case 'S': out += `[^${RUBY_SPACE}]`; break;
        case ' ': out += ' '; break;
        case '#': out += '#'; break;
        default: out += '\\' + n;
      }
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      out += c;
      i++;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      i++;
      if (src[i] === '^') { out += '^'; i++; }
      if (src[i] === ']') { out += '\\]'; i++; }
      continue;
    }
    if (ext && (c === ' ' || c === '\t' || c === '\n' || c === '\r')) { i++; continue; }
    if (ext && c === '#') {
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    if (c === '(' && src.startsWith("(?'", i)) {
      const end = src.indexOf("'", i + 3);
      out += '(?<' + src.slice(i + 3, end) + '>';
      i = end + 1;
      continue;
    }
    if (c === '.') { out += dotAll ? '[\\s\\S]' : '[^\\n]'; i++; continue; }
    if (c === '^') { out += '(?:^|(?<=\\n)(?=[\\s\\S]))'; i++; continue; }
    if (c === '$') { out += '(?=\\n|$)'; i++; continue; }
    out += c;
    i++;
  }
  let js = '';
  if (flags.includes('i')) js += 'i';
  if (flags.includes('g')) js += 'g';
  return new RegExp(out, js);
}

/** True when `re` matches anywhere in `s` (resets lastIndex, so global regexes are safe). */
export function matches(re: RegExp, s: string): boolean {
  re.lastIndex = 0;
  const r = re.test(s);
  re.lastIndex = 0;
  return r;
}

/** Ruby `String#lines`: every line keeps its "\n"; a last line without "\n" is a line. */
export function lines(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (;;) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) break;
    out.push(text.slice(start, nl + 1));
    start = nl + 1;
  }
  if (start < text.length) out.push(text.slice(start));
  return out;
}

/** Oxidized `comment`: the prefix in front of every line (empty lines too). */
export function commentLines(text: string, prefix: string): string {
  let out = '';
  for (const l of lines(text)) out += prefix + l;
  return out;
}

/** Ruby `lines[from..to].join` with Ruby's negative indexes; out-of-range start gives "". */
export function sliceLines(text: string, from: number, to = -1): string {
  const ls = lines(text);
  const n = ls.length;
  const a = from < 0 ? n + from : from;
  const b = to < 0 ? n + to : to;
  if (a < 0 || a > n) return '';
  return ls.slice(a, b + 1).join('');
}

/** Drop `head` first and `tail` last lines (Oxidized cut_both / "lines[1..-2]"). */
export function dropFirstLast(text: string, head = 1, tail = 1): string {
  return sliceLines(text, head, -1 - tail);
}

/** Ruby rstrip: trailing NUL, TAB, LF, VT, FF, CR and space. */
export function rstrip(s: string): string {
  let e = s.length;
  while (e > 0) {
    const c = s.charCodeAt(e - 1);
    if (c === 32 || (c >= 9 && c <= 13) || c === 0) e--;
    else break;
  }
  return e === s.length ? s : s.slice(0, e);
}

/** Ruby strip (both ends). */
export function strip(s: string): string {
  let b = 0;
  while (b < s.length) {
    const c = s.charCodeAt(b);
    if (c === 32 || (c >= 9 && c <= 13) || c === 0) b++;
    else break;
  }
  return rstrip(s.slice(b));
}

/** Every line right-stripped, joined with "\n", plus one final "\n" (empty input → "\n"). */
export function rstripLines(text: string): string {
  return lines(text).map(rstrip).join('\n') + '\n';
}

export type LinePattern = string | RegExp;

function lineMatches(line: string, pats: LinePattern[]): boolean {
  for (const p of pats) {
    if (typeof p === 'string' ? line.includes(p) : matches(p, line)) return true;
  }
  return false;
}

/** Drop every line (with its "\n") matching one of the patterns (string = substring). */
export function rejectLines(text: string, ...pats: LinePattern[]): string {
  return lines(text).filter((l) => !lineMatches(l, pats)).join('');
}

/** Keep only the lines matching one of the patterns (string = substring). */
export function keepLines(text: string, ...pats: LinePattern[]): string {
  return lines(text).filter((l) => lineMatches(l, pats)).join('');
}

/** Apply rewrite rules / functions in order. */
export function applyRules(text: string, rules: readonly TextRule[] | undefined): string {
  if (!rules) return text;
  for (const r of rules) {
    if (typeof r === 'function') text = r(text);
    else {
      r.pattern.lastIndex = 0;
      text = text.replace(r.pattern, r.replace as string);
    }
  }
  return text;
}

/** Ruby-replacement helper: `sub(rb('...'), '$1 <secret hidden>')` as a rule (first match). */
export function sub(pattern: RegExp, replace: RewriteRule['replace']): RewriteRule {
  return { pattern, replace };
}

/** gsub as a rule: makes the regex global. */
export function gsub(pattern: RegExp, replace: RewriteRule['replace']): RewriteRule {
  const p = pattern.flags.includes('g') ? pattern : new RegExp(pattern.source, pattern.flags + 'g');
  return { pattern: p, replace };
}

/** Oxidized `xmlcomment`: `<!-- text -->\n`, "--" broken up; a multi-line text repeats per line (upstream quirk). */
export function xmlComment(text: string): string {
  let t = text.replace(/-(?=-)/g, '- ');
  if (t.endsWith('\r\n')) t = t.slice(0, -2);
  else if (t.endsWith('\n') || t.endsWith('\r')) t = t.slice(0, -1);
  let out = '';
  for (let i = lines(text).length; i > 0; i--) out += `<!-- ${t} -->\n`;
  return out;
}

/** Ruby `$1`-style replacements where a missing group gives "" are the JS default too. */
export const ESC_CODES = rb(String.raw`\r?\e(?:\[[0-?]*[ -\/]*[@-~]|[=>])\r?`, 'g');

/** Root on a Linux-based box: `sudo su -` when enable is true, else `su -` with the enable (or login) password. */
export const LINUX_SU_ENABLE: EnableSpec = {
  commandFor: (e) => (e === true ? 'sudo su -' : 'su -'),
  passwordPrompt: rb(String.raw`^(\[sudo\] password|Password:)`),
  password: 'enable-or-login',
  teardown: ['exit'],
};

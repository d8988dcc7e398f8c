// One compliance rule checked against one config text: line, regex or IOS-like block matching,
// must contain or must not contain, with a detail a person can act on. Pure: no database.
import { InputError } from '../errors.ts';
import { compilePattern } from '../search/pattern.ts';

export type RuleKind = 'must_contain' | 'must_not_contain';
export type RuleMatch = 'line' | 'regex' | 'block';
export const RULE_KINDS: readonly RuleKind[] = ['must_contain', 'must_not_contain'];
export const RULE_MATCHES: readonly RuleMatch[] = ['line', 'regex', 'block'];

export interface RuleSpec {
  kind: RuleKind;
  match: RuleMatch;
  pattern: string;
}

export interface Outcome {
  compliant: boolean;
  detail: string;
}

/** A rule made ready to run: its regexes compiled once. */
export interface CompiledRule extends RuleSpec {
  run(text: string): Outcome;
}

const trimEnd = (l: string) => l.replace(/[\s\r]+$/, '');
const indentOf = (l: string) => l.length - l.trimStart().length;
const show = (s: string) => JSON.stringify(s);

/** Anchored, non-global copy of a compiled pattern: matches a whole line. */
function wholeLine(pattern: string, field: string): RegExp {
  const re = compilePattern(`^(?:${pattern})$`, { regex: true, caseSensitive: true, field });
  return new RegExp(re.source, re.flags.replace('g', ''));
}

/**
 * Validate a rule and compile it. Throws InputError 400 naming what is wrong:
 *  - line: one line, compared exactly after trailing whitespace is trimmed (leading spaces count);
 *  - regex: a regular expression over the whole config, ^ and $ at line ends (multiline);
 *  - block: first line a regular expression for the parent line (whole line, leading and trailing
 *    whitespace ignored), each further line a regular expression for a child line (likewise);
 *    the block is the parent and every following line indented deeper than it (IOS style).
 */
export function compileRule(spec: RuleSpec): CompiledRule {
  const { kind, match, pattern } = spec;
  if (!RULE_KINDS.includes(kind)) throw new InputError('invalid_rule', `kind must be one of ${RULE_KINDS.join(', ')}, not "${kind}"`, 400);
  if (!RULE_MATCHES.includes(match)) throw new InputError('invalid_rule', `match must be one of ${RULE_MATCHES.join(', ')}, not "${match}"`, 400);
  if (typeof pattern !== 'string' || pattern.trim() === '') {
    throw new InputError('empty_pattern', 'pattern is empty; give the line, regular expression or block the config must (not) contain', 400);
  }
  const must = kind === 'must_contain';
  if (match === 'line') {
    const lines = pattern.replace(/\r?\n$/, '').split(/\r?\n/);
    if (lines.length > 1) throw new InputError('invalid_rule', 'a line rule takes one line; for several lines use one rule per line, or match: "block"', 400);
    const want = trimEnd(lines[0]!);
    return {
      ...spec,
      run(text) {
        const ls = text.split('\n');
        const hits: number[] = [];
        for (let i = 0; i < ls.length; i++) if (trimEnd(ls[i]!) === want) hits.push(i + 1);
        if (must) return hits.length ? { compliant: true, detail: `found at line ${hits[0]}` } : { compliant: false, detail: `missing line ${show(want)}` };
        return hits.length
          ? { compliant: false, detail: `line ${hits[0]}: ${show(want)}${hits.length > 1 ? ` (and ${hits.length - 1} more)` : ''}` }
          : { compliant: true, detail: `no line ${show(want)}` };
      },
    };
  }
  if (match === 'regex') {
    const re = compilePattern(pattern, { regex: true, caseSensitive: true, field: 'pattern' });
    return {
      ...spec,
      run(text) {
        re.lastIndex = 0;
        const m = re.exec(text);
        const lineNo = m ? text.slice(0, m.index).split('\n').length : 0;
        const line = m ? trimEnd(text.split('\n')[lineNo - 1] ?? '') : '';
        if (must) return m ? { compliant: true, detail: `matched at line ${lineNo}` } : { compliant: false, detail: `nothing matches /${pattern}/` };
        return m ? { compliant: false, detail: `line ${lineNo}: ${show(line)} matches /${pattern}/` } : { compliant: true, detail: `nothing matches /${pattern}/` };
      },
    };
  }
  // block
  const lines = pattern.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  const [parentSrc, ...childSrc] = lines;
  const parent = wholeLine(parentSrc!, 'pattern (block parent line)');
  const children = childSrc.map((c, i) => ({ src: c, re: wholeLine(c, `pattern (block line ${i + 2})`) }));
  if (must && !children.length) {
    throw new InputError('invalid_rule', 'a must_contain block rule needs the parent line and at least one child line (e.g. "interface Gi.*" then "shutdown"); for the parent alone use a line or regex rule', 400);
  }
  return {
    ...spec,
    run(text) {
      const ls = text.split('\n').map(trimEnd);
      const blocks: { line: number; head: string; body: string[] }[] = [];
      for (let i = 0; i < ls.length; i++) {
        const head = ls[i]!;
        if (head.trim() === '' || !parent.test(head.trim())) continue;
        const ind = indentOf(head);
        const body: string[] = [];
        for (let j = i + 1; j < ls.length; j++) {
          const l = ls[j]!;
          if (l.trim() === '') continue;
          if (indentOf(l) <= ind) break;
          body.push(l.trim());
        }
        blocks.push({ line: i + 1, head: head.trim(), body });
      }
      const where = (b: { line: number; head: string }) => `${show(b.head)} (line ${b.line})`;
      if (must) {
        if (!blocks.length) return { compliant: false, detail: `no block whose first line matches /${parentSrc}/` };
        const bad = blocks.map((b) => ({ b, missing: children.filter((c) => !b.body.some((l) => c.re.test(l))) })).filter((x) => x.missing.length);
        if (!bad.length) return { compliant: true, detail: `${blocks.length} block(s) checked` };
        const first = bad[0]!;
        return { compliant: false, detail: `${where(first.b)}: missing ${first.missing.map((m) => show(m.src)).join(', ')}${bad.length > 1 ? ` (and ${bad.length - 1} more block(s))` : ''}` };
      }
      if (!children.length) {
        return blocks.length ? { compliant: false, detail: `${where(blocks[0]!)} is present${blocks.length > 1 ? ` (and ${blocks.length - 1} more)` : ''}` } : { compliant: true, detail: 'no such block' };
      }
      const bad = blocks.map((b) => ({ b, found: b.body.filter((l) => children.some((c) => c.re.test(l))) })).filter((x) => x.found.length);
      if (!bad.length) return { compliant: true, detail: `${blocks.length} block(s) checked` };
      const first = bad[0]!;
      return { compliant: false, detail: `${where(first.b)}: has ${show(first.found[0]!)}${bad.length > 1 ? ` (and ${bad.length - 1} more block(s))` : ''}` };
    },
  };
}

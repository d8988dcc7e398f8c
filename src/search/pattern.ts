// User patterns (search and compliance) compiled to RegExps that cannot hang the process: invalid
// ones are refused with the position and reason; catastrophic backtracking is bounded by V8's
// linear-time fallback engine; patterns that engine cannot run (backreferences, lookaround) are
// refused when they nest repetition (star height > 1), the shape that backtracks exponentially.
import v8 from 'node:v8';
import { InputError } from '../errors.ts';

// Once per process: after this many backtracks a regexp that the experimental linear-time engine
// can run is re-run by it (same result, no exponential blow-up). Irregexp stays the fast path.
let flagsSet = false;
function enableBacktrackFallback(): void {
  if (flagsSet) return;
  flagsSet = true;
  v8.setFlagsFromString('--enable-experimental-regexp-engine');
  v8.setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');
  v8.setFlagsFromString('--regexp-backtracks-before-fallback=50000');
}
enableBacktrackFallback();

export const MAX_PATTERN_LENGTH = 1000;

export interface PatternOptions {
  regex: boolean;
  caseSensitive: boolean;
  /** Name of the field, for messages ("q", "pattern"). */
  field?: string;
}

export function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** Where a JS regexp syntax error points, when its message says. */
function explain(pattern: string, err: Error): string {
  const m = /: (.*)$/.exec(err.message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, ': '));
  const reason = m?.[1] ?? err.message;
  return reason;
}

/**
 * Star height: how deeply quantifiers nest (`(a+)+` is 2). Character classes and escapes are
 * skipped. Good enough to recognise the exponential shapes; not a full parser.
 */
export function starHeight(pattern: string): number {
  const stack: number[] = [0];
  let max = 0;
  let lastGroupHeight = 0;
  let lastAtomIsGroup = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      i++;
      lastAtomIsGroup = false;
      continue;
    }
    if (c === '[') {
      for (i++; i < pattern.length && pattern[i] !== ']'; i++) if (pattern[i] === '\\') i++;
      lastAtomIsGroup = false;
      continue;
    }
    if (c === '(') {
      stack.push(0);
      continue;
    }
    if (c === ')') {
      lastGroupHeight = stack.pop() ?? 0;
      lastAtomIsGroup = true;
      const top = stack.length - 1;
      if (top >= 0) stack[top] = Math.max(stack[top]!, lastGroupHeight);
      continue;
    }
    if (c === '*' || c === '+' || c === '?' || c === '{') {
      if (c === '{' && !/^\{\d+(,\d*)?\}/.test(pattern.slice(i))) {
        lastAtomIsGroup = false;
        continue;
      }
      if (c === '{') i = pattern.indexOf('}', i);
      if (c === '?' && (pattern[i - 1] === '(' || pattern[i - 1] === '*' || pattern[i - 1] === '+' || pattern[i - 1] === '?' || pattern[i - 1] === '}')) continue; // (?: or lazy
      const h = (lastAtomIsGroup ? lastGroupHeight : 0) + 1;
      const top = stack.length - 1;
      stack[top] = Math.max(stack[top]!, h);
      max = Math.max(max, h);
      lastAtomIsGroup = false;
      continue;
    }
    lastAtomIsGroup = false;
  }
  return Math.max(max, ...stack);
}

/**
 * Compile a search or compliance pattern. Plain text is matched literally. Returns a global,
 * multiline RegExp (^ and $ match at line ends). Throws InputError 400 for an empty, too long,
 * invalid or unsafe pattern, naming the position and what to do.
 */
export function compilePattern(pattern: string, o: PatternOptions): RegExp {
  const field = o.field ?? 'q';
  if (pattern.length === 0 || pattern.trim() === '') {
    throw new InputError('empty_pattern', `${field} is empty; give the text or regular expression to look for (e.g. "snmp-server community public")`, 400);
  }
  if (pattern.length > MAX_PATTERN_LENGTH) throw new InputError('pattern_too_long', `${field} is ${pattern.length} characters; at most ${MAX_PATTERN_LENGTH} are allowed`, 400);
  if (!o.regex) return new RegExp(escapeRegex(pattern), `gm${o.caseSensitive ? '' : 'i'}`);
  let re: RegExp;
  try {
    re = new RegExp(pattern, `gm${o.caseSensitive ? '' : 'i'}`);
  } catch (err) {
    const reason = explain(pattern, err as Error);
    const pos = locate(pattern, `gm${o.caseSensitive ? '' : 'i'}`);
    throw new InputError(
      'invalid_regex',
      `${field} "${pattern}" is not a valid regular expression: ${reason}${pos !== undefined ? ` (at character ${pos + 1}: ${JSON.stringify(pattern.slice(pos, pos + 10))})` : ''}; fix it, or search for plain text with regex=false`,
      400,
      { position: pos ?? null, reason },
    );
  }
  // The linear engine (and so the backtracking fallback) has no case-insensitive mode: fold the
  // pattern itself ([sS][nN]…) instead, when it is one the linear engine can run.
  const folded = o.caseSensitive ? pattern : foldCase(pattern);
  if (linearCapable(folded)) return new RegExp(folded, 'gm');
  // Backreferences or lookaround: irregexp only; they must not nest repetition.
  if (starHeight(pattern) > 1) {
    throw new InputError(
      'unsafe_regex',
      `${field} "${pattern}" uses a backreference or lookaround together with nested repetition (like (a+)+), which can take exponential time; remove the nesting or the backreference/lookaround`,
      400,
    );
  }
  return re;
}

function linearCapable(pattern: string): boolean {
  try {
    new RegExp(pattern, 'gml');
    return true;
  } catch {
    return false;
  }
}

const isLower = (c: number) => c >= 97 && c <= 122;
const isUpper = (c: number) => c >= 65 && c <= 90;

/**
 * The pattern with every ASCII letter matching both cases ("a" → "[aA]", "[a-f]" → "[a-fA-F]"),
 * escapes, group syntax and quantifiers untouched. For a valid non-unicode pattern.
 */
export function foldCase(p: string): string {
  let out = '';
  let i = 0;
  const escape = (): string => {
    // p[i] is a backslash
    const c = p[i + 1] ?? '';
    let len = 2;
    if (c === 'k' && p[i + 2] === '<') len = p.indexOf('>', i) - i + 1;
    else if (c === 'c') len = 3;
    else if (c === 'x') len = 4;
    else if (c === 'u') len = p[i + 2] === '{' ? p.indexOf('}', i) - i + 1 : 6;
    const s = p.slice(i, i + Math.max(2, len));
    i += Math.max(2, len);
    return s;
  };
  while (i < p.length) {
    const ch = p[i]!;
    const code = p.charCodeAt(i);
    if (ch === '\\') {
      out += escape();
    } else if (ch === '[') {
      let body = '';
      let extra = '';
      i++;
      if (p[i] === '^') {
        body += '^';
        i++;
      }
      while (i < p.length && p[i] !== ']') {
        if (p[i] === '\\') {
          body += escape();
          continue;
        }
        const lo = p.charCodeAt(i);
        if (p[i + 1] === '-' && p[i + 2] !== undefined && p[i + 2] !== ']' && p[i + 2] !== '\\') {
          const hi = p.charCodeAt(i + 2);
          body += p.slice(i, i + 3);
          i += 3;
          const a1 = Math.max(lo, 97);
          const b1 = Math.min(hi, 122);
          if (a1 <= b1) extra += `${String.fromCharCode(a1 - 32)}-${String.fromCharCode(b1 - 32)}`;
          const a2 = Math.max(lo, 65);
          const b2 = Math.min(hi, 90);
          if (a2 <= b2) extra += `${String.fromCharCode(a2 + 32)}-${String.fromCharCode(b2 + 32)}`;
          continue;
        }
        body += p[i];
        if (isLower(lo)) extra += String.fromCharCode(lo - 32);
        else if (isUpper(lo)) extra += String.fromCharCode(lo + 32);
        i++;
      }
      i++; // ]
      out += `[${body}${extra}]`;
    } else if (ch === '(' && p[i + 1] === '?' && /^\(\?[ims]*(-[ims]+)?:/.test(p.slice(i, i + 12))) {
      // a modifier group (?i:…) / (?-m:…)
      const end = p.indexOf(':', i);
      out += p.slice(i, end + 1);
      i = end + 1;
    } else if (ch === '(' && p[i + 1] === '?' && p[i + 2] === '<' && p[i + 3] !== '=' && p[i + 3] !== '!') {
      const end = p.indexOf('>', i);
      out += p.slice(i, end + 1);
      i = end + 1;
    } else if (isLower(code) || isUpper(code)) {
      out += `[${ch.toLowerCase()}${ch.toUpperCase()}]`;
      i++;
    } else {
      out += ch;
      i++;
    }
  }
  return out;
}

/**
 * Roughly where the error is: the end of the shortest prefix that fails for the same reason as
 * the whole pattern (e.g. the "(" of an unterminated group, the "}" of a bad quantifier).
 */
function locate(pattern: string, flags: string): number | undefined {
  let reason: string;
  try {
    new RegExp(pattern, flags);
    return undefined;
  } catch (err) {
    reason = explain(pattern, err as Error);
  }
  for (let i = 1; i <= pattern.length; i++) {
    try {
      new RegExp(pattern.slice(0, i), flags);
    } catch (err) {
      if (explain(pattern, err as Error) === reason) return i - 1;
    }
  }
  return undefined;
}

import { describe, expect, it } from 'vitest';
import { commentLines, dropFirstLast, keepLines, lines, rb, rejectLines, rstrip, rstripLines, sliceLines, xmlComment } from '../../src/drivers/helpers.ts';

describe('rb(): Ruby regex semantics in JS', () => {
  it('^ is a line start, but not after the final newline; $ is before \\n only (not \\r)', () => {
    expect('a\nb\n'.replace(rb('^', 'g'), 'X')).toBe('Xa\nXb\n');
    expect(rb('a$').test('a\r\n')).toBe(false);
    expect(rb('a$').test('a\nb')).toBe(true);
    expect(rb('^b').test('a\rb')).toBe(false);
  });
  it('. matches CR but not LF; /m (Ruby) is dot-all', () => {
    expect(rb('a.b').test('a\rb')).toBe(true);
    expect(rb('a.b').test('a\nb')).toBe(false);
    expect(rb('a.b', 'm').test('a\nb')).toBe(true);
  });
  it('\\A \\z \\Z \\h \\e, named groups and /x', () => {
    expect(rb(String.raw`\Aab\z`).test('ab')).toBe(true);
    expect(rb(String.raw`\Aab\z`).test('x\nab')).toBe(false);
    expect(rb(String.raw`ab\Z`).test('ab\n')).toBe(true);
    expect(rb(String.raw`^\h+$`).test('0fA9')).toBe(true);
    expect(rb(String.raw`\e\[m`).test('\x1b[m')).toBe(true);
    expect('k=v'.replace(rb(String.raw`(?'key'\w)=(?'val'\w)`), '$<val>=$<key>')).toBe('v=k');
    expect(rb(String.raw` a \  b  # comment
      c`, 'x').test('a bc')).toBe(true);
  });
  it('\\s is ASCII whitespace only (byte 0xA0 of UTF-8 text is not a space)', () => {
    expect(rb(String.raw`\s`).test('\xa0')).toBe(false);
    expect(rb(String.raw`[\s]`).test('\xa0')).toBe(false);
    expect(rb(String.raw`\S`).test('\xa0')).toBe(true);
  });
});

describe('Oxidized text helpers', () => {
  it('lines keep their newline; a last line without one is a line', () => {
    expect(lines('a\nb')).toEqual(['a\n', 'b']);
    expect(lines('')).toEqual([]);
  });
  it('comment prefixes every line, empty ones too', () => {
    expect(commentLines('a\n\nb', '! ')).toBe('! a\n! \n! b');
  });
  it('dropFirstLast / sliceLines follow Ruby slicing', () => {
    expect(dropFirstLast('echo\nx\ny\nprompt#')).toBe('x\ny\n');
    expect(dropFirstLast('only')).toBe('');
    expect(dropFirstLast('')).toBe('');
    expect(sliceLines('a\nb\nc\n', 3)).toBe('');
    expect(sliceLines('a\nb\nc\n', 4)).toBe('');
  });
  it('rstrip strips Ruby whitespace and NUL only', () => {
    expect(rstrip('a \t\r\0')).toBe('a');
    expect(rstrip('a\xa0')).toBe('a\xa0');
    expect(rstripLines('a  \nb\r\n')).toBe('a\nb\n');
    expect(rstripLines('')).toBe('\n');
  });
  it('keep/reject lines: strings are substrings, regexes match anywhere', () => {
    expect(rejectLines('up 1\nx\nCPU 3\n', 'CPU', /^up/)).toBe('x\n');
    expect(keepLines('a: 1\nb: 2\n', 'b:')).toBe('b: 2\n');
  });
  it('xmlComment breaks up "--" and repeats a multi-line text per line (upstream quirk)', () => {
    expect(xmlComment('OPNsense 23.7--x\n')).toBe('<!-- OPNsense 23.7- -x -->\n');
    expect(xmlComment('a\nb\n')).toBe('<!-- a\nb -->\n<!-- a\nb -->\n');
  });
});

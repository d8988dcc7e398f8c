// The rule checker on its own: line, regex and block rules, must and must not, and bad rules.
import { describe, expect, it } from 'vitest';
import { compileRule } from '../../src/compliance/check.ts';
import { InputError } from '../../src/errors.ts';

const CONFIG = [
  'hostname r1',
  '!',
  'interface GigabitEthernet0/1',
  ' description unused',
  ' shutdown',
  '!',
  'interface GigabitEthernet0/2',
  ' description uplink',
  ' no shutdown',
  '!',
  'router bgp 65000',
  ' address-family ipv4',
  '  neighbor 10.0.0.2 activate',
  ' exit-address-family',
  '!',
  'ntp server 10.0.0.1   ',
  'line vty 0 4',
  ' transport input ssh telnet',
  'line vty 5 15',
  ' transport input ssh',
  'end',
  '',
].join('\r\n');

const run = (kind: 'must_contain' | 'must_not_contain', match: 'line' | 'regex' | 'block', pattern: string) => compileRule({ kind, match, pattern }).run(CONFIG);

describe('compliance rule checks', () => {
  it('line: exact after trailing whitespace (and CR) is trimmed; leading spaces count', () => {
    expect(run('must_contain', 'line', 'ntp server 10.0.0.1')).toEqual({ compliant: true, detail: 'found at line 16' });
    expect(run('must_contain', 'line', 'ntp server 10.0.0.2')).toEqual({ compliant: false, detail: 'missing line "ntp server 10.0.0.2"' });
    expect(run('must_contain', 'line', 'shutdown').compliant).toBe(false);
    expect(run('must_contain', 'line', ' shutdown').compliant).toBe(true);
    expect(run('must_not_contain', 'line', 'no ip http server')).toEqual({ compliant: true, detail: 'no line "no ip http server"' });
    expect(run('must_not_contain', 'line', '!')).toEqual({ compliant: false, detail: 'line 2: "!" (and 3 more)' });
  });

  it('regex: multiline, names the first matching line', () => {
    expect(run('must_not_contain', 'regex', '^line vty .*\\r?$\\n transport input .*telnet')).toMatchObject({ compliant: false, detail: expect.stringMatching(/^line 17: "line vty 0 4" matches/) });
    expect(run('must_contain', 'regex', '^ntp server 10\\.0\\.0\\.\\d+')).toEqual({ compliant: true, detail: 'matched at line 16' });
    expect(run('must_contain', 'regex', '^logging host ')).toMatchObject({ compliant: false });
  });

  it('block: the parent and its deeper-indented lines (IOS style); every matching block is checked', () => {
    expect(run('must_contain', 'block', 'interface GigabitEthernet0/1\n shutdown')).toEqual({ compliant: true, detail: '1 block(s) checked' });
    // both interfaces: Gi0/2 is not shut
    expect(run('must_contain', 'block', 'interface GigabitEthernet0/\\d+\n shutdown')).toEqual({ compliant: false, detail: '"interface GigabitEthernet0/2" (line 7): missing "shutdown"' });
    expect(run('must_contain', 'block', 'interface Loopback0\n shutdown')).toEqual({ compliant: false, detail: 'no block whose first line matches /interface Loopback0/' });
    expect(run('must_not_contain', 'block', 'line vty .*\ntransport input .*telnet.*')).toEqual({ compliant: false, detail: '"line vty 0 4" (line 17): has "transport input ssh telnet"' });
    expect(run('must_not_contain', 'block', 'line vty 5 15\ntransport input .*telnet.*').compliant).toBe(true);
    // nested children belong to the block; a line at the parent's indentation ends it
    expect(run('must_contain', 'block', 'router bgp \\d+\nneighbor 10\\.0\\.0\\.2 activate').compliant).toBe(true);
    expect(run('must_contain', 'block', 'address-family ipv4\nneighbor .* activate').compliant).toBe(true);
    expect(run('must_contain', 'block', 'interface GigabitEthernet0/1\nhostname r1').compliant).toBe(false);
    // the parent alone, must not: the block must not exist
    expect(run('must_not_contain', 'block', 'router bgp \\d+')).toEqual({ compliant: false, detail: '"router bgp 65000" (line 11) is present' });
  });

  it('refuses bad rules with what to do', () => {
    const bad = (spec: Parameters<typeof compileRule>[0], code: string) => {
      try {
        compileRule(spec);
      } catch (err) {
        expect(err).toBeInstanceOf(InputError);
        expect((err as InputError).code).toBe(code);
        return (err as InputError).message;
      }
      throw new Error(`accepted ${JSON.stringify(spec)}`);
    };
    expect(bad({ kind: 'must_contain', match: 'regex', pattern: 'ntp server (10' }, 'invalid_regex')).toMatch(/Unterminated group \(at character 12/);
    bad({ kind: 'must_contain', match: 'line', pattern: '  ' }, 'empty_pattern');
    bad({ kind: 'must_contain', match: 'line', pattern: 'a\nb' }, 'invalid_rule');
    bad({ kind: 'must_contain', match: 'block', pattern: 'interface X' }, 'invalid_rule');
    bad({ kind: 'must_contain', match: 'block', pattern: 'interface (X\n shutdown' }, 'invalid_regex');
    bad({ kind: 'must_contain', match: 'regex', pattern: '(a)\\1(b+)+' }, 'unsafe_regex');
    bad({ kind: 'should' as never, match: 'line', pattern: 'x' }, 'invalid_rule');
  });
});

import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { loadRecording, parseRecording, RecordingDevice, RecordingSession, rubyUndump } from '../../src/sim/recording.ts';
import { SimError } from '../../src/sim/types.ts';

const REC = join(import.meta.dirname, '../fixtures/recordings');

describe('rubyUndump', () => {
  it('decodes the simple escapes', () => {
    expect(rubyUndump(String.raw`a\nb\r\t\f\v\e\b\a\"\\\#`)).toBe('a\nb\r\t\f\v\x1b\b\x07"\\#');
  });
  it('decodes \\xHH as one byte and \\u as UTF-8 bytes', () => {
    expect(rubyUndump(String.raw`\x20\x00\x41`)).toBe(' \x00A');
    expect(rubyUndump(String.raw`\u00e9`)).toBe('\xc3\xa9');
    expect(rubyUndump(String.raw`\u{1F600}`)).toBe(Buffer.from('😀', 'utf8').toString('latin1'));
  });
  it('keeps any other backslash pair, backslash included', () => {
    expect(rubyUndump(String.raw`\_ \/ \  \s \0 \101`)).toBe(String.raw`\_ \/ \  \s \0 \101`);
  });
  it('rejects a malformed \\u escape', () => {
    expect(() => rubyUndump(String.raw`\uZZ`)).toThrow(SimError);
  });
});

describe('parseRecording', () => {
  it('reads map form, null values, block and quoted scalars', () => {
    const r = parseRecording(
      ['init_prompt: |-', '  hello\\r', '  sw1#\\x20', 'commands:', '  "show a\\n": |-', '    show a', '    x\\ty', '    sw1# ', '  "q\\n":', '  "r\\n": "\\n(p) #"', ''].join('\n'),
      'm#d',
    );
    expect(r.form).toBe('map');
    expect(r.initPrompt).toBe('hello\r\nsw1# ');
    expect(r.entries).toEqual([
      { key: 'show a\n', value: 'show a\nx\ty\nsw1# ' },
      { key: 'q\n', value: '' },
      { key: 'r\n', value: '\n(p) #' },
    ]);
  });

  it('reads a real list-form file (tnsr: 20 pager keys)', () => {
    const r = loadRecording(join(REC, 'tnsr#TNSR_23.02-3_short-config#simulation.yaml'));
    expect(r.form).toBe('list');
    expect(r.model).toBe('tnsr');
    expect(r.entries.filter((e) => e.key === ' ').length).toBe(20);
  });

  it('reads the embedded oxidized_output of custom recordings (| keeps one final newline)', () => {
    const r = loadRecording(join(REC, 'cumulus#MSN2010_5.9.2_nvue#custom_simulation.yaml'));
    expect(r.oxidizedOutput?.startsWith('- header:\n')).toBe(true);
    expect(r.oxidizedOutput?.endsWith('\n')).toBe(true);
  });
});

describe('RecordingSession', () => {
  const map = parseRecording('init_prompt: "p# "\ncommands:\n  "a\\n": "A\\np# "\n  "b\\n": "B\\np# "\n  "exit\\n": "bye"\n', 'm#map');
  const list = parseRecording('init_prompt: "p# "\ncommands:\n  - "a\\n": "A1"\n  - " ": "A2"\n  - "a\\n": "A3"\n', 'm#list');

  it('map form: any key, any order, repeatable; answers once the whole key is in', () => {
    const s = new RecordingSession(map);
    expect(s.greeting()).toEqual([{ kind: 'send', data: 'p# ' }]);
    expect(s.input('b')).toEqual([]);
    expect(s.input('\n')).toEqual([{ kind: 'send', data: 'B\np# ' }]);
    expect(s.input('a\na\n')).toEqual([{ kind: 'send', data: 'A\np# ' }, { kind: 'send', data: 'A\np# ' }]);
    expect(s.finished).toBe(false);
    s.input('exit\n');
    expect(s.finished).toBe(true);
    expect(s.answered).toEqual(['b\n', 'a\n', 'a\n', 'exit\n']);
  });

  it('map form: input that cannot become a key is a SimError naming it', () => {
    const s = new RecordingSession(map);
    expect(() => s.input('show run\n')).toThrow(/unexpected input "s"/);
  });

  it('list form: exactly the next item, the same key again gives the next answer', () => {
    const s = new RecordingSession(list);
    expect(s.input('a\n')).toEqual([{ kind: 'send', data: 'A1' }]);
    expect(() => new RecordingSession(list).input(' ')).toThrow(SimError);
    expect(s.input(' ')).toEqual([{ kind: 'send', data: 'A2' }]);
    expect(s.input('a\n')).toEqual([{ kind: 'send', data: 'A3' }]);
    expect(s.remaining).toBe(0);
    expect(() => s.input('a')).toThrow(/no more items/);
  });

  it('exec looks up command + "\\n"; unknown commands are a SimError', () => {
    const s = new RecordingSession(map);
    expect(s.exec('a')).toEqual([{ kind: 'send', data: 'A\np# ' }]);
    expect(() => s.exec('zzz')).toThrow(SimError);
  });

  it('RecordingDevice keeps state across sessions: overrides change answers (restore, later)', () => {
    const dev = new RecordingDevice(map);
    dev.overrides.set('a\n', 'NEW\np# ');
    expect(dev.newSession().input('a\n')).toEqual([{ kind: 'send', data: 'NEW\np# ' }]);
    expect(dev.sessions.length).toBe(1);
  });
});

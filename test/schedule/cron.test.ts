// Schedules: validation with clear messages, next runs in a time zone across DST, and the English
// reading the UI shows.
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.ts';
import { CRON_PRESETS, describeCron, expandCron, nextRun, nextRuns, validateCron, validateTimezone } from '../../src/schedule/cron.ts';
import * as inventory from '../../src/inventory/backup-configs.ts';

const iso = (ds: Date[]) => ds.map((d) => d.toISOString());

function inputError(fn: () => unknown, code = 'invalid_schedule'): InputError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).code).toBe(code);
    expect((err as InputError).status).toBe(400);
    return err as InputError;
  }
  throw new Error('expected an InputError');
}

describe('validateCron', () => {
  it('is the one implementation (inventory re-exports it)', () => {
    expect(inventory.validateCron).toBe(validateCron);
    expect(inventory.validateTimezone).toBe(validateTimezone);
    expect(inventory.CRON_PRESETS).toBe(CRON_PRESETS);
  });

  it('normalizes presets and whitespace', () => {
    expect(validateCron('hourly')).toBe('@hourly');
    expect(validateCron('Daily')).toBe('@daily');
    expect(validateCron('weekly')).toBe('@weekly');
    expect(validateCron('monthly')).toBe('@monthly');
    expect(validateCron('@midnight')).toBe('@daily');
    expect(validateCron('  0   2 * *  * ')).toBe('0 2 * * *');
    expect(validateCron('')).toBeNull();
    expect(validateCron(null)).toBeNull();
    expect(validateCron('0 9-17/2 * jan,jul mon-fri')).toBe('0 9-17/2 * jan,jul mon-fri');
    expect(expandCron('@weekly')).toBe('0 0 * * 0');
  });

  it('refuses invalid input with a message that says what is wrong', () => {
    expect(inputError(() => validateCron('0 2 * *')).message).toMatch(/has 4 fields; give 5 fields/);
    expect(inputError(() => validateCron('0 0 2 * * *')).message).toMatch(/no seconds field/);
    expect(inputError(() => validateCron('61 * * * *')).message).toMatch(/minute 61 is out of range \(0–59\)/);
    expect(inputError(() => validateCron('0 24 * * *')).message).toMatch(/hour 24 is out of range \(0–23\)/);
    expect(inputError(() => validateCron('0 0 0 * *')).message).toMatch(/day-of-month 0 is out of range/);
    expect(inputError(() => validateCron('0 0 * 13 *')).message).toMatch(/month 13 is out of range/);
    expect(inputError(() => validateCron('0 0 * * 8')).message).toMatch(/day-of-week 8 is out of range/);
    expect(inputError(() => validateCron('5-1 * * * *')).message).toMatch(/runs backwards/);
    expect(inputError(() => validateCron('*/0 * * * *')).message).toMatch(/step "\/0"/);
    expect(inputError(() => validateCron('x * * * *')).message).toMatch(/minute field has "x", which is not a number/);
    expect(inputError(() => validateCron('0 0 * foo *')).message).toMatch(/month name/);
    expect(inputError(() => validateCron('0 0 L * *')).message).toMatch(/non-standard cron extension/);
    expect(inputError(() => validateCron('0 0 * * 5#2')).message).toMatch(/non-standard/);
    expect(inputError(() => validateCron('H 2 * * *')).message).toMatch(/non-standard/);
    expect(inputError(() => validateCron('0 0 30 2 *')).message).toMatch(/never runs/);
    expect(inputError(() => validateCron('@reboot')).message).toMatch(/not a preset/);
    expect(inputError(() => validateCron('1,,2 * * * *')).message).toMatch(/not valid cron syntax/);
    expect(inputError(() => validateCron(42)).message).toMatch(/5-field cron/);
    expect(inputError(() => validateTimezone('Mars/Olympus'), 'invalid_timezone').message).toMatch(/not a time zone/);
    expect(inputError(() => nextRuns('0 2 * * *', 'Nowhere/City', new Date(), 1), 'invalid_timezone')).toBeTruthy();
  });
});

describe('nextRuns', () => {
  it('*/15, strictly after from', () => {
    expect(iso(nextRuns('*/15 * * * *', 'UTC', new Date('2026-01-01T00:07:00Z'), 3))).toEqual(['2026-01-01T00:15:00.000Z', '2026-01-01T00:30:00.000Z', '2026-01-01T00:45:00.000Z']);
    expect(iso(nextRuns('*/15 * * * *', 'UTC', new Date('2026-01-01T00:15:00Z'), 1))).toEqual(['2026-01-01T00:30:00.000Z']);
  });

  it('ranges, lists and steps', () => {
    // Thursday 1 January 2026
    expect(iso(nextRuns('0 9-17/4 * * mon-fri', 'UTC', new Date('2026-01-01T10:00:00Z'), 4))).toEqual([
      '2026-01-01T13:00:00.000Z',
      '2026-01-01T17:00:00.000Z',
      '2026-01-02T09:00:00.000Z',
      '2026-01-02T13:00:00.000Z',
    ]);
    expect(iso(nextRuns('30 6,18 * * *', 'UTC', new Date('2026-01-01T07:00:00Z'), 3))).toEqual(['2026-01-01T18:30:00.000Z', '2026-01-02T06:30:00.000Z', '2026-01-02T18:30:00.000Z']);
    expect(iso(nextRuns('0 0 1 jan,jul *', 'UTC', new Date('2026-01-01T00:00:00Z'), 2))).toEqual(['2026-07-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z']);
    expect(iso(nextRuns('0 0 * * 7', 'UTC', new Date('2026-01-01T00:00:00Z'), 1))).toEqual(['2026-01-04T00:00:00.000Z']); // 7 = Sunday
  });

  it('day-of-month and day-of-week: OR when both are restricted, AND-free when one is *', () => {
    // the 13th OR any Friday
    expect(iso(nextRuns('0 0 13 * 5', 'UTC', new Date('2026-01-01T00:00:00Z'), 5))).toEqual([
      '2026-01-02T00:00:00.000Z', // Friday
      '2026-01-09T00:00:00.000Z', // Friday
      '2026-01-13T00:00:00.000Z', // Tuesday the 13th
      '2026-01-16T00:00:00.000Z',
      '2026-01-23T00:00:00.000Z',
    ]);
    expect(iso(nextRuns('0 0 13 * *', 'UTC', new Date('2026-01-01T00:00:00Z'), 2))).toEqual(['2026-01-13T00:00:00.000Z', '2026-02-13T00:00:00.000Z']);
  });

  it('presets', () => {
    const from = new Date('2026-01-01T10:20:00Z');
    expect(nextRun('@hourly', 'UTC', from)?.toISOString()).toBe('2026-01-01T11:00:00.000Z');
    expect(nextRun('@daily', 'UTC', from)?.toISOString()).toBe('2026-01-02T00:00:00.000Z');
    expect(nextRun('@weekly', 'UTC', from)?.toISOString()).toBe('2026-01-04T00:00:00.000Z');
    expect(nextRun('@monthly', 'UTC', from)?.toISOString()).toBe('2026-02-01T00:00:00.000Z');
    expect(nextRun('@daily', 'Europe/Berlin', from)?.toISOString()).toBe('2026-01-01T23:00:00.000Z');
    expect(nextRun(null, 'UTC', from)).toBeNull();
  });

  it('Europe/Berlin spring forward: 02:30 does not exist on 29 March 2026 and runs once at 03:30 CEST', () => {
    expect(iso(nextRuns('30 2 * * *', 'Europe/Berlin', new Date('2026-03-27T12:00:00Z'), 4))).toEqual([
      '2026-03-28T01:30:00.000Z', // 02:30 CET
      '2026-03-29T01:30:00.000Z', // 03:30 CEST (the gap)
      '2026-03-30T00:30:00.000Z', // 02:30 CEST
      '2026-03-31T00:30:00.000Z',
    ]);
  });

  it('Europe/Berlin fall back: 02:30 happens twice on 25 October 2026 and runs once', () => {
    expect(iso(nextRuns('30 2 * * *', 'Europe/Berlin', new Date('2026-10-23T12:00:00Z'), 4))).toEqual([
      '2026-10-24T00:30:00.000Z', // 02:30 CEST
      '2026-10-25T00:30:00.000Z', // first 02:30 (CEST) only
      '2026-10-26T01:30:00.000Z', // 02:30 CET
      '2026-10-27T01:30:00.000Z',
    ]);
    // an hourly schedule keeps real hours across the change: no duplicate, no gap in UTC
    const h = iso(nextRuns('0 * * * *', 'Europe/Berlin', new Date('2026-10-24T23:30:00Z'), 4));
    expect(new Set(h).size).toBe(4);
  });

  it('America/New_York: 02:30 skipped in March runs at 03:30 EDT; 01:30 repeated in November runs once', () => {
    expect(iso(nextRuns('30 2 * * *', 'America/New_York', new Date('2026-03-06T12:00:00Z'), 3))).toEqual([
      '2026-03-07T07:30:00.000Z', // 02:30 EST
      '2026-03-08T07:30:00.000Z', // 03:30 EDT
      '2026-03-09T06:30:00.000Z', // 02:30 EDT
    ]);
    expect(iso(nextRuns('30 1 * * *', 'America/New_York', new Date('2026-10-31T12:00:00Z'), 3))).toEqual([
      '2026-11-01T05:30:00.000Z', // first 01:30 (EDT) only
      '2026-11-02T06:30:00.000Z', // 01:30 EST
      '2026-11-03T06:30:00.000Z',
    ]);
  });
});

describe('describeCron', () => {
  it.each([
    ['30 2 * * *', 'at 02:30 every day'],
    ['*/15 * * * 1-5', 'every 15 minutes, Monday to Friday'],
    ['hourly', 'every hour at minute 0'],
    ['@daily', 'at 00:00 every day'],
    ['weekly', 'at 00:00 on Sunday'],
    ['monthly', 'at 00:00 on day 1 of the month'],
    ['yearly', 'at 00:00 on 1 January'],
    ['0 0 13 * 5', 'at 00:00 on day 13 of the month or on Friday'],
    ['*/5 9-17 * * mon-fri', 'every 5 minutes from 09:00 to 17:59, Monday to Friday'],
    ['0 */2 * * *', 'every 2 hours at minute 0'],
    ['0 8,12,18 * * *', 'at 08:00, 12:00 and 18:00 every day'],
    ['15,45 * * * *', 'every hour at minutes 15 and 45'],
    ['0 0 1,15 * *', 'at 00:00 on days 1 and 15 of the month'],
    ['0 3 * jan,jul sun', 'at 03:00 on Sunday, in January and July'],
    ['0 3 * 3-10 *', 'at 03:00, from March to October'],
    ['0 9-17 * * *', 'every hour from 09:00 to 17:00'],
    ['5 4 * * 7', 'at 04:05 on Sunday'],
    ['0 22 * * 1,3,5', 'at 22:00 on Monday, Wednesday and Friday'],
    ['* * * * *', 'every minute'],
  ])('%s → %s', (expr, text) => {
    expect(describeCron(expr)).toBe(text);
  });

  it('throws InputError for invalid input', () => {
    inputError(() => describeCron('0 25 * * *'));
  });
});

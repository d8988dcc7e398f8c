// Backup schedules: standard 5-field cron expressions (minute hour day-of-month month day-of-week)
// or a preset (hourly, daily, weekly, monthly, yearly), evaluated in an IANA time zone.
// The one implementation of schedule validation, next-run computation and the English reading
// the UI shows; cron-parser does the calendar arithmetic (DST included).
//
// Semantics (documented in docs/schedules.md):
// - day-of-month and day-of-week: when both are restricted (neither is "*"), a day matches if
//   EITHER matches (classic cron OR semantics): "0 0 13 * 5" runs on every 13th and every Friday.
// - DST: a local time that does not exist (spring forward) runs at the first instant after the
//   gap (02:30 Europe/Berlin on the last Sunday of March runs at 03:30 CEST); a local time that
//   happens twice (fall back) runs once, at its first occurrence.
// - Only standard cron syntax: numbers, names (jan–dec, sun–sat), "*", lists, ranges and steps.
//   Extensions (L, W, #, H, ?) and a seconds field are refused, so every schedule means the same
//   thing in every cron a network engineer knows.
import { CronExpressionParser } from 'cron-parser';
import { InputError } from '../errors.ts';

/** Preset names accepted on input → the stored form. */
export const CRON_PRESETS: Record<string, string> = {
  hourly: '@hourly',
  daily: '@daily',
  weekly: '@weekly',
  monthly: '@monthly',
  yearly: '@yearly',
  '@hourly': '@hourly',
  '@daily': '@daily',
  '@midnight': '@daily',
  '@weekly': '@weekly',
  '@monthly': '@monthly',
  '@yearly': '@yearly',
  '@annually': '@yearly',
};

/** The 5-field expression of each stored preset. */
export const PRESET_EXPRESSIONS: Record<string, string> = {
  '@hourly': '0 * * * *',
  '@daily': '0 0 * * *',
  '@weekly': '0 0 * * 0',
  '@monthly': '0 0 1 * *',
  '@yearly': '0 0 1 1 *',
};

const HELP = 'give 5 fields (minute hour day-of-month month day-of-week, e.g. "30 2 * * *" for 02:30 every day) or a preset: hourly, daily, weekly, monthly';
const FIELD_NAMES = ['minute', 'hour', 'day-of-month', 'month', 'day-of-week'] as const;
const FIELD_RANGES: [number, number][] = [[0, 59], [0, 23], [1, 31], [1, 12], [0, 7]];
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

function invalid(message: string): InputError {
  return new InputError('invalid_schedule', message, 400);
}

export function validateTimezone(tz: unknown): string {
  if (typeof tz !== 'string' || tz.length === 0 || tz.length > 64) {
    throw new InputError('invalid_timezone', 'schedule_timezone is an IANA time zone name such as "UTC" or "Europe/Berlin"', 400);
  }
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return tz;
  } catch {
    throw new InputError('invalid_timezone', `"${tz}" is not a time zone this server knows; give an IANA name such as "UTC" or "Europe/Berlin"`, 400);
  }
}

/** One field's value (number or name) as a number, or a clear error. */
function fieldValue(raw: string, i: number, expr: string): number {
  const lower = raw.toLowerCase();
  let n: number;
  if (i === 3 && MONTHS.includes(lower)) n = MONTHS.indexOf(lower) + 1;
  else if (i === 4 && DAYS.includes(lower)) n = DAYS.indexOf(lower);
  else if (/^\d{1,2}$/.test(raw)) n = Number(raw);
  else {
    const names = i === 3 ? ' or a month name (jan–dec)' : i === 4 ? ' or a day name (sun–sat)' : '';
    throw invalid(`schedule_cron "${expr}": the ${FIELD_NAMES[i]} field has "${raw}", which is not a number${names}; ${HELP}`);
  }
  const [lo, hi] = FIELD_RANGES[i]!;
  if (n < lo || n > hi) throw invalid(`schedule_cron "${expr}": ${FIELD_NAMES[i]} ${n} is out of range (${lo}–${hi}); ${HELP}`);
  return n;
}

interface Item {
  /** null for "*" */
  from: number | null;
  to: number | null;
  step: number;
}

/** Parse one field into items, checking the syntax strictly (standard cron only). */
function parseField(raw: string, i: number, expr: string): Item[] {
  return raw.split(',').map((part) => {
    const m = /^([^/]+)(?:\/(\d+))?$/.exec(part);
    if (!m || part === '') throw invalid(`schedule_cron "${expr}": the ${FIELD_NAMES[i]} field "${raw}" is not valid cron syntax; ${HELP}`);
    const [, base, stepRaw] = m as unknown as [string, string, string | undefined];
    if (/[LW#H?]/i.test(base) && !/^[a-z]{3}$/i.test(base) && !/^[a-z]{3}-[a-z]{3}$/i.test(base)) {
      throw invalid(`schedule_cron "${expr}": "${part}" uses a non-standard cron extension (L, W, #, H or ?); netkeep takes standard cron only — ${HELP}`);
    }
    const step = stepRaw === undefined ? 1 : Number(stepRaw);
    const [lo, hi] = FIELD_RANGES[i]!;
    if (stepRaw !== undefined && (step < 1 || step > hi - lo + 1)) {
      throw invalid(`schedule_cron "${expr}": the step "/${stepRaw}" in the ${FIELD_NAMES[i]} field must be from 1 to ${hi - lo + 1}; ${HELP}`);
    }
    if (base === '*') return { from: null, to: null, step };
    const r = /^([^-]+)-([^-]+)$/.exec(base);
    if (r) {
      const a = fieldValue(r[1]!, i, expr);
      const b = fieldValue(r[2]!, i, expr);
      if (a > b) throw invalid(`schedule_cron "${expr}": the range ${r[1]}-${r[2]} in the ${FIELD_NAMES[i]} field runs backwards; write it low-high (e.g. 1-5)`);
      return { from: a, to: b, step };
    }
    const v = fieldValue(base, i, expr);
    return { from: v, to: stepRaw === undefined ? v : hi, step };
  });
}

function splitFields(expr: string): string[] {
  const e = expr.trim().replace(/\s+/g, ' ');
  const preset = CRON_PRESETS[e.toLowerCase()];
  if (preset) return PRESET_EXPRESSIONS[preset]!.split(' ');
  return e.split(' ');
}

/**
 * A normalized schedule: a preset ("@daily"…) or a 5-field cron expression; null for no schedule.
 * Throws InputError invalid_schedule with a message that says what is wrong and how to write it.
 */
export function validateCron(expr: unknown, tz = 'UTC'): string | null {
  if (expr === null || expr === undefined || expr === '') return null;
  if (typeof expr !== 'string' || expr.length > 100) {
    throw invalid('schedule_cron is a 5-field cron expression ("0 2 * * *") or hourly, daily, weekly, monthly');
  }
  const e = expr.trim().replace(/\s+/g, ' ');
  if (e === '') return null;
  const preset = CRON_PRESETS[e.toLowerCase()];
  if (preset) return preset;
  if (e.startsWith('@')) throw invalid(`schedule_cron "${expr}" is not a preset netkeep knows; use hourly, daily, weekly, monthly or yearly, or 5 cron fields`);
  const fields = e.split(' ');
  if (fields.length !== 5) {
    throw invalid(
      `schedule_cron "${expr}" has ${fields.length} field${fields.length === 1 ? '' : 's'}; ${fields.length === 6 ? 'netkeep schedules have no seconds field — ' : ''}${HELP}`,
    );
  }
  fields.forEach((f, i) => parseField(f, i, expr));
  try {
    CronExpressionParser.parse(e, { tz: validateTimezone(tz), strict: false }).next();
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw invalid(`schedule_cron "${expr}" never runs or is not valid (${(err as Error).message}); e.g. "0 2 * * *" runs daily at 02:00`);
  }
  return e;
}

/** The 5-field expression behind a stored schedule (presets expanded). */
export function expandCron(expr: string): string {
  return splitFields(expr).join(' ');
}

/** The next `n` run times strictly after `from`, in the schedule's time zone (DST-safe). */
export function nextRuns(expr: string, tz: string, from: Date, n: number): Date[] {
  const normalized = validateCron(expr, tz);
  if (normalized === null || n <= 0) return [];
  const it = CronExpressionParser.parse(expandCron(normalized), { tz, currentDate: from, strict: false });
  const out: Date[] = [];
  for (let i = 0; i < n && it.hasNext(); i++) out.push(it.next().toDate());
  return out;
}

/** The next run strictly after `from`, or null (no schedule). */
export function nextRun(expr: string | null, tz: string, from: Date): Date | null {
  if (!expr) return null;
  return nextRuns(expr, tz, from, 1)[0] ?? null;
}

// ---------- English reading ----------

const pad = (n: number) => String(n).padStart(2, '0');
const ordinal = (n: number) => {
  const s = n % 100 >= 11 && n % 100 <= 13 ? 'th' : ({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th';
  return `${n}${s}`;
};
function joinAnd(xs: string[]): string {
  if (xs.length <= 1) return xs.join('');
  return `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`;
}
const isStar = (items: Item[]) => items.length === 1 && items[0]!.from === null && items[0]!.step === 1;
const isSingle = (items: Item[]) => items.length === 1 && items[0]!.from !== null && items[0]!.from === items[0]!.to;
/** Every value an explicit list/range item set covers (null when it has "*" or steps). */
function plainValues(items: Item[]): number[] | null {
  const out: number[] = [];
  for (const it of items) {
    if (it.from === null || it.step !== 1) return null;
    for (let v = it.from; v <= it.to!; v++) out.push(v);
  }
  return out;
}

function describeItems(items: Item[], name: (v: number) => string, unit: string, units: string): string {
  return joinAnd(
    items.map((it) => {
      if (it.from === null) return it.step === 1 ? `every ${unit}` : `every ${it.step} ${units}`;
      if (it.from === it.to) return name(it.from);
      if (it.step === 1) return `${name(it.from)} to ${name(it.to!)}`;
      return `every ${it.step} ${units} from ${name(it.from)} to ${name(it.to!)}`;
    }),
  );
}

function describeTime(min: Item[], hour: Item[]): { text: string; recurring: boolean } {
  if (isStar(min) && isStar(hour)) return { text: 'every minute', recurring: true };
  const mins = plainValues(min);
  const hours = plainValues(hour);
  if (mins && hours && mins.length * hours.length <= 6) {
    const times: string[] = [];
    for (const h of hours) for (const m of mins) times.push(`${pad(h)}:${pad(m)}`);
    return { text: `at ${joinAnd(times)}`, recurring: false };
  }
  const minStep = min.length === 1 && min[0]!.from === null ? min[0]!.step : 0;
  let text: string;
  if (minStep > 1) text = `every ${minStep} minutes`;
  else if (isStar(min)) text = 'every minute';
  else text = mins && mins.length === 1 ? `at minute ${mins[0]}` : `at minutes ${describeItems(min, String, 'minute', 'minutes')}`;
  if (isStar(hour)) {
    if (!minStep && !isStar(min)) text = mins && mins.length === 1 ? `every hour at minute ${mins[0]}` : `every hour ${text}`;
  } else if (hour.length === 1 && hour[0]!.from === null) {
    text = `${text} of every ${hour[0]!.step} hours`.replace(/^at minute (\d+) of every (\d+) hours$/, 'every $2 hours at minute $1');
  } else if (hours && hours.length > 1 && hours.every((h, i) => i === 0 || h === hours[i - 1]! + 1)) {
    if (mins && mins.length === 1) return { text: `every hour from ${pad(hours[0]!)}:${pad(mins[0]!)} to ${pad(hours[hours.length - 1]!)}:${pad(mins[0]!)}`, recurring: true };
    text = `${text} from ${pad(hours[0]!)}:00 to ${pad(hours[hours.length - 1]!)}:59`;
  } else {
    text = `${text} past hour${hours && hours.length === 1 ? '' : 's'} ${describeItems(hour, String, 'hour', 'hours')}`;
  }
  return { text, recurring: true };
}

function describeDays(dom: Item[], mon: Item[], dow: Item[]): string {
  const dowN = dow.map((it) => ({ ...it, from: it.from === 7 ? 0 : it.from, to: it.to === 7 && it.from !== 7 ? 7 : it.to === 7 ? 0 : it.to }));
  const dayName = (v: number) => DAY_NAMES[v % 7]!;
  const domStar = isStar(dom);
  const dowStar = isStar(dowN);
  let days = '';
  const domText = () => {
    const vals = plainValues(dom);
    if (dom.length === 1 && dom[0]!.from === null) return `on every ${ordinal(dom[0]!.step)} day of the month`;
    if (vals && vals.length === 1) return `on day ${vals[0]} of the month`;
    return `on days ${describeItems(dom, String, 'day', 'days')} of the month`;
  };
  const dowText = () => {
    if (dowN.length === 1 && dowN[0]!.from !== null && dowN[0]!.step === 1 && dowN[0]!.from !== dowN[0]!.to) {
      return `${dayName(dowN[0]!.from)} to ${dayName(dowN[0]!.to!)}`;
    }
    return `on ${describeItems(dowN, dayName, 'day of the week', 'days of the week')}`;
  };
  if (!domStar && !dowStar) days = `${domText()} or ${dowText()}`;
  else if (!domStar) days = domText();
  else if (!dowStar) days = dowText();
  let months = '';
  if (!isStar(mon)) {
    const mv = plainValues(mon);
    if (mv && mv.length === 1 && isSingle(dom) && dowStar) return `on ${dom[0]!.from} ${MONTH_NAMES[mv[0]! - 1]}`;
    const monthText = describeItems(mon, (v) => MONTH_NAMES[v - 1]!, 'month', 'months');
    months = mon.length === 1 && mon[0]!.from !== null && mon[0]!.step === 1 && mon[0]!.from !== mon[0]!.to
      ? `from ${MONTH_NAMES[mon[0]!.from - 1]} to ${MONTH_NAMES[mon[0]!.to! - 1]}`
      : mon.length === 1 && mon[0]!.from === null ? monthText : `in ${monthText}`;
  }
  return [days, months].filter(Boolean).join(', ');
}

/**
 * An English reading of a schedule for people: "at 02:30 every day", "every 15 minutes, Monday
 * to Friday", "at 00:00 on day 1 of the month". Throws InputError for an invalid expression.
 */
export function describeCron(expr: string): string {
  const normalized = validateCron(expr);
  if (normalized === null) return 'not scheduled (manual only)';
  const f = splitFields(normalized).map((raw, i) => parseField(raw, i, expr));
  const time = describeTime(f[0]!, f[1]!);
  const days = describeDays(f[2]!, f[3]!, f[4]!);
  if (!days) return time.recurring ? time.text : `${time.text} every day`;
  return days.startsWith('on ') ? `${time.text} ${days}` : `${time.text}, ${days}`;
}

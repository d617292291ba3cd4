import officialCalendar from 'chinese-days/dist/chinese-days.json';
import { CaseRuleError, CaseRuleErrorCode } from './case-rule.error';

/**
 * Working days (工作日) on the official holiday calendar of the State Council, make-up workdays
 * (调休) included, for deadlines counted the way Chinese administrative rules count them.
 *
 * Dates are calendar dates in China, `YYYY-MM-DD` (see `chinaCalendarDate`). The data comes from
 * the `chinese-days` package, read from its published JSON table rather than through its functions:
 * those build their table and take the weekday in the process's local time zone, and answer wrong
 * west of UTC (under TZ=America/New_York they call Saturday 2025-01-25 a workday and Monday
 * 2025-01-27 a rest day). Here every step is plain day arithmetic, whatever the time zone.
 *
 * Outside the years the table covers only weekends are rest days, and every result that looked at
 * such a day says `provisional: true`.
 */

/** A calendar date in China, `YYYY-MM-DD`. */
export type CalendarDate = string;

export interface WorkingDayAnswer {
  readonly working: boolean;
  /** The day lies outside `WORKING_CALENDAR_COVERAGE`: only the weekend rule was applied. */
  readonly provisional: boolean;
}

export interface WorkingDateAnswer {
  readonly date: CalendarDate;
  readonly provisional: boolean;
}

export interface WorkingDayCount {
  readonly days: number;
  readonly provisional: boolean;
}

/** A stop of the clock, both ends inclusive; an open pause has no `to`. */
export interface ClockPause {
  readonly from: CalendarDate;
  readonly to?: CalendarDate;
}

export interface DueDateInput {
  /** The day of receipt; it is not counted. */
  readonly receivedOn: CalendarDate;
  readonly workingDays: number;
  readonly pauses?: readonly ClockPause[];
}

export type DueDate =
  | { readonly state: 'running'; readonly date: CalendarDate; readonly provisional: boolean }
  | {
      readonly state: 'paused';
      readonly date: undefined;
      /** Start of the open pause. */
      readonly pausedSince: CalendarDate;
      /** Working days still to run once the clock restarts. */
      readonly workingDaysLeft: number;
      readonly provisional: boolean;
    };

export interface DeadlineProgress {
  /** `today` is after the due date (a calendar fact, even when only rest days have passed since). */
  readonly overdue: boolean;
  /** Not overdue, and at most `dueSoonWithin` working days left. */
  readonly dueSoon: boolean;
  /** Working days after `today` up to the due date; negative (days overdue) once it has passed. */
  readonly workingDaysLeft: number;
  readonly provisional: boolean;
}

export interface WorkingCalendarCoverage {
  readonly firstYear: number;
  readonly lastYear: number;
  /** First and last dates the official calendar decides. */
  readonly from: CalendarDate;
  readonly through: CalendarDate;
}

/** "Due soon" means at most this many working days left. */
export const DUE_SOON_WORKING_DAYS = 3;

/** Upper bound for any count of working days here: about four years, far beyond any deadline. */
export const MAX_WORKING_DAYS = 1000;

const DAY_MS = 24 * 60 * 60 * 1000;
const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const MIN_YEAR = 1000;
const MAX_DAY = Date.UTC(9999, 11, 31) / DAY_MS;

const HOLIDAYS: ReadonlySet<string> = new Set(Object.keys(officialCalendar.holidays));
const MAKE_UP_WORKDAYS: ReadonlySet<string> = new Set(Object.keys(officialCalendar.workdays));

/**
 * A year is covered when the table holds its own notice; every notice gives Spring Festival days
 * (always in that year), so those name the covered years.
 */
const COVERED_YEARS = Object.entries(officialCalendar.holidays)
  .filter(([, name]) => name.startsWith('Spring Festival'))
  .map(([date]) => Number(date.slice(0, 4)));
const FIRST_YEAR = Math.min(...COVERED_YEARS);
const LAST_YEAR = Math.max(...COVERED_YEARS);

/**
 * Years 2004–2026 for chinese-days 1.5.7. The last week of the last year stays provisional: the
 * next year's New Year arrangement, published later, can swap days there (it did on 2006-12-30,
 * 2007-12-29, 2011-12-31, 2018-12-29 and 2022-12-31).
 */
export const WORKING_CALENDAR_COVERAGE: WorkingCalendarCoverage = {
  firstYear: FIRST_YEAR,
  lastYear: LAST_YEAR,
  from: `${FIRST_YEAR}-01-01`,
  through: `${LAST_YEAR}-12-24`,
};

const COVERED_FROM = Date.UTC(FIRST_YEAR, 0, 1) / DAY_MS;
const COVERED_THROUGH = Date.UTC(LAST_YEAR, 11, 24) / DAY_MS;

/** Whether `value` is a real calendar date written `YYYY-MM-DD` (years 1000–9999). */
export function isCalendarDate(value: unknown): value is CalendarDate {
  return typeof value === 'string' && toDay(value) !== undefined;
}

/** Whether `date` is a working day on the official calendar. */
export function isWorkingDay(date: CalendarDate): WorkingDayAnswer {
  const day = parseDay(date, 'date');
  return { working: isWorking(day), provisional: !isCovered(day) };
}

/**
 * The `n`-th working day after `from`; `from` itself is never counted, so a Friday with n = 1
 * gives the next working day. n = 0 gives `from`.
 */
export function addWorkingDays(from: CalendarDate, n: number): WorkingDateAnswer {
  let day = parseDay(from, 'from');
  requireDayCount(n, 'n', 0);
  let provisional = false;
  for (let left = n; left > 0;) {
    day = nextDay(day);
    provisional ||= !isCovered(day);
    if (isWorking(day)) left--;
  }
  return { date: formatDay(day), provisional };
}

/**
 * Working days after `a` up to and including `b`: how far `b` is from `a` in working days.
 * Antisymmetric, so it is negative when `b` is before `a`, and
 * `workingDaysBetween(a, addWorkingDays(a, n).date).days === n`.
 */
export function workingDaysBetween(a: CalendarDate, b: CalendarDate): WorkingDayCount {
  const start = parseDay(a, 'a');
  const end = parseDay(b, 'b');
  const [low, high, sign] = start <= end ? [start, end, 1] : [end, start, -1];
  let days = 0;
  let provisional = false;
  for (let day = low + 1; day <= high; day++) {
    provisional ||= !isCovered(day);
    if (isWorking(day)) days++;
  }
  return { days: days === 0 ? 0 : sign * days, provisional };
}

/**
 * The day by which `workingDays` working days have run since `receivedOn`, the day of receipt not
 * counted.
 *
 * Pauses: every day from a pause's `from` through its `to`, both inclusive, is off the clock. The
 * start day is the day the testing, appraisal or identification began; the end day is the day its
 * result came in, and like a day of receipt it does not count, so the clock runs again from the
 * next working day. Only paused working days that fall before the due date move it, each by one
 * working day; a pause that starts after the due date changes nothing. While a pause is open
 * (no `to`) and began before the due date, there is no due date: the state is `paused`.
 *
 * @throws CaseRuleError on a malformed date, a day count outside 1…MAX_WORKING_DAYS, a pause that
 * ends before it starts or starts before receipt, or pauses that share a day.
 */
export function dueDate(input: DueDateInput): DueDate {
  const received = parseDay(input.receivedOn, 'receivedOn');
  requireDayCount(input.workingDays, 'workingDays', 1);
  const pauses = orderedPauses(input.pauses ?? [], received);
  let counted = 0;
  let provisional = false;
  let next = 0;
  for (let day = nextDay(received); ; day = nextDay(day)) {
    while (next < pauses.length && pauses[next].to < day) next++;
    const pause = pauses[next] as PauseDays | undefined;
    if (pause !== undefined && pause.from <= day) {
      if (pause.to === Infinity) {
        return {
          state: 'paused',
          date: undefined,
          pausedSince: formatDay(pause.from),
          workingDaysLeft: input.workingDays - counted,
          provisional,
        };
      }
      continue;
    }
    provisional ||= !isCovered(day);
    if (isWorking(day) && ++counted === input.workingDays) {
      return { state: 'running', date: formatDay(day), provisional };
    }
  }
}

/**
 * Where `today` stands against a due date: overdue once `today` is after it, due soon while at
 * most `dueSoonWithin` working days are left (0 = due today).
 */
export function deadlineProgress(
  due: CalendarDate,
  today: CalendarDate,
  dueSoonWithin: number = DUE_SOON_WORKING_DAYS,
): DeadlineProgress {
  requireDayCount(dueSoonWithin, 'dueSoonWithin', 0);
  const left = workingDaysBetween(today, due);
  const overdue = parseDay(today, 'today') > parseDay(due, 'due');
  return {
    overdue,
    dueSoon: !overdue && left.days <= dueSoonWithin,
    workingDaysLeft: left.days,
    provisional: left.provisional,
  };
}

/** Throws unless `date` is a calendar date; returns it. */
export function requireCalendarDate(date: unknown, field: string): CalendarDate {
  parseDay(date, field);
  return date as CalendarDate;
}

interface PauseDays {
  readonly from: number;
  /** Infinity while open. */
  readonly to: number;
}

function orderedPauses(pauses: readonly ClockPause[], received: number): PauseDays[] {
  const days = pauses
    .map((pause, i): PauseDays => {
      const from = parseDay(pause.from, `pauses[${i}].from`);
      const to = pause.to === undefined ? Infinity : parseDay(pause.to, `pauses[${i}].to`);
      if (to < from) {
        throw new CaseRuleError(
          CaseRuleErrorCode.PauseEndsBeforeStart,
          `pauses[${i}] ends on ${pause.to}, before it starts on ${pause.from}`,
        );
      }
      if (from < received) {
        throw new CaseRuleError(
          CaseRuleErrorCode.PauseBeforeReceipt,
          `pauses[${i}] starts on ${pause.from}, before receipt on ${formatDay(received)}`,
        );
      }
      return { from, to };
    })
    .sort((x, y) => x.from - y.from);
  for (let i = 1; i < days.length; i++) {
    if (days[i].from <= days[i - 1].to) {
      throw new CaseRuleError(
        CaseRuleErrorCode.PausesOverlap,
        `the pause from ${formatDay(days[i].from)} overlaps the one from ${formatDay(days[i - 1].from)}`,
      );
    }
  }
  return days;
}

function requireDayCount(n: number, field: string, min: number): void {
  if (!Number.isInteger(n) || n < min || n > MAX_WORKING_DAYS) {
    throw new CaseRuleError(
      CaseRuleErrorCode.InvalidDayCount,
      `${field} must be a whole number from ${min} to ${MAX_WORKING_DAYS}`,
    );
  }
}

/** Days since 1970-01-01, or undefined when `value` is not a real `YYYY-MM-DD` date. */
function toDay(value: string): number | undefined {
  const match = DATE_PATTERN.exec(value);
  if (match === null) return undefined;
  const [year, month, date] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const time = Date.UTC(year, month - 1, date);
  const check = new Date(time);
  if (year < MIN_YEAR || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== date) return undefined;
  return time / DAY_MS;
}

function parseDay(value: unknown, field: string): number {
  const day = typeof value === 'string' ? toDay(value) : undefined;
  if (day === undefined) {
    throw new CaseRuleError(CaseRuleErrorCode.InvalidDate, `${field} must be a calendar date YYYY-MM-DD`);
  }
  return day;
}

function formatDay(day: number): CalendarDate {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

function nextDay(day: number): number {
  if (day >= MAX_DAY) {
    throw new CaseRuleError(CaseRuleErrorCode.InvalidDayCount, 'the count runs past 9999-12-31');
  }
  return day + 1;
}

function isCovered(day: number): boolean {
  return day >= COVERED_FROM && day <= COVERED_THROUGH;
}

function isWorking(day: number): boolean {
  const date = formatDay(day);
  if (MAKE_UP_WORKDAYS.has(date)) return true;
  if (HOLIDAYS.has(date)) return false;
  const weekday = (((day + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday; 0 = Sunday
  return weekday !== 0 && weekday !== 6;
}

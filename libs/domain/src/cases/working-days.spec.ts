import fc from 'fast-check';
import { CaseRuleError, CaseRuleErrorCode } from './case-rule.error';
import {
  WORKING_CALENDAR_COVERAGE,
  addWorkingDays,
  deadlineProgress,
  dueDate,
  isCalendarDate,
  isWorkingDay,
  workingDaysBetween,
  type ClockPause,
} from './working-days';

const DAY_MS = 24 * 60 * 60 * 1000;
const plusDays = (date: string, days: number): string =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);

function codeOf(run: () => unknown): CaseRuleErrorCode | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof CaseRuleError) return error.code;
    throw error;
  }
  return undefined;
}

describe('the official calendar', () => {
  it('covers 2004 to 2026 with chinese-days 1.5.7 (raise lastYear when the package adds a year)', () => {
    expect(WORKING_CALENDAR_COVERAGE).toEqual({
      firstYear: 2004,
      lastYear: 2026,
      from: '2004-01-01',
      through: '2026-12-24',
    });
  });

  it.each([
    // Spring Festival 2025: off Tue Jan 28 – Tue Feb 4; make-up workdays Sun Jan 26 and Sat Feb 8.
    ['2025-01-25', false], // Saturday
    ['2025-01-26', true], // Sunday, make-up workday
    ['2025-01-27', true],
    ['2025-01-28', false],
    ['2025-02-04', false],
    ['2025-02-05', true],
    ['2025-02-08', true], // Saturday, make-up workday
    ['2025-02-09', false],
    // National Day + Mid-Autumn 2025: off Oct 1–8; make-up Sun Sep 28 and Sat Oct 11.
    ['2025-09-27', false],
    ['2025-09-28', true],
    ['2025-10-08', false],
    ['2025-10-09', true],
    ['2025-10-11', true],
    ['2025-10-12', false],
    // 2019 New Year arranged in late 2018: Sat Dec 29 worked, Mon Dec 31 off.
    ['2018-12-29', true],
    ['2018-12-31', false],
    ['2025-03-07', true], // an ordinary Friday
    ['2025-03-08', false], // an ordinary Saturday
  ])('%s is a working day: %s', (date, working) => {
    expect(isWorkingDay(date)).toEqual({ working, provisional: false });
  });

  it('applies the weekend rule outside the covered years, and says so', () => {
    const nextYear = WORKING_CALENDAR_COVERAGE.lastYear + 1;
    expect(isWorkingDay(`${nextYear}-01-01`).provisional).toBe(true);
    expect(isWorkingDay('2003-10-01')).toEqual({ working: true, provisional: true }); // a real holiday, unknown here
    expect(isWorkingDay('2003-10-04')).toEqual({ working: false, provisional: true }); // Saturday
    // The last week of the last covered year waits for next year's New Year notice.
    expect(isWorkingDay(WORKING_CALENDAR_COVERAGE.through).provisional).toBe(false);
    expect(isWorkingDay(plusDays(WORKING_CALENDAR_COVERAGE.through, 1)).provisional).toBe(true);
  });

  it('covers every year from the first to the last', () => {
    const { firstYear, lastYear } = WORKING_CALENDAR_COVERAGE;
    for (let year = firstYear; year <= lastYear; year++) {
      // Each covered year has at least one weekday holiday besides Jan 1 (Spring Festival at least).
      let weekdayHolidays = 0;
      for (let date = `${year}-01-02`; date <= `${year}-03-31`; date = plusDays(date, 1)) {
        const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
        if (weekday !== 0 && weekday !== 6 && !isWorkingDay(date).working) weekdayHolidays++;
      }
      expect({ year, some: weekdayHolidays > 0 }).toEqual({ year, some: true });
    }
  });
});

describe('isCalendarDate', () => {
  it.each(['2025-01-24', '2024-02-29', '1000-01-01', '9999-12-31'])('accepts %s', (date) => {
    expect(isCalendarDate(date)).toBe(true);
  });

  it.each(['2025-02-29', '2025-13-01', '2025-1-24', '2025-01-24T00:00:00Z', ' 2025-01-24', '', '0999-12-31'])(
    'rejects %j',
    (date) => {
      expect(isCalendarDate(date)).toBe(false);
      expect(codeOf(() => isWorkingDay(date))).toBe(CaseRuleErrorCode.InvalidDate);
    },
  );

  it('rejects non-strings', () => {
    expect(isCalendarDate(20250124)).toBe(false);
    expect(codeOf(() => addWorkingDays(new Date() as unknown as string, 1))).toBe(
      CaseRuleErrorCode.InvalidDate,
    );
  });
});

describe('addWorkingDays', () => {
  it('does not count the day of receipt: Friday + 1 is the next working day', () => {
    expect(addWorkingDays('2025-03-07', 1)).toEqual({ date: '2025-03-10', provisional: false });
    // Before Spring Festival 2025 the next working day is the make-up Sunday, Jan 26.
    expect(addWorkingDays('2025-01-24', 1)).toEqual({ date: '2025-01-26', provisional: false });
    expect(addWorkingDays('2025-01-24', 0)).toEqual({ date: '2025-01-24', provisional: false });
  });

  it('counts 15 working days from Friday 2025-01-24 across Spring Festival to 2025-02-20', () => {
    // 1 Sun 01-26 (make-up), 2 Mon 01-27; off Tue 01-28 – Tue 02-04; 3 Wed 02-05, 4 Thu 02-06,
    // 5 Fri 02-07, 6 Sat 02-08 (make-up), 7 Mon 02-10, 8 02-11, 9 02-12, 10 02-13, 11 Fri 02-14,
    // 12 Mon 02-17, 13 02-18, 14 02-19, 15 Thu 02-20.
    expect(addWorkingDays('2025-01-24', 15)).toEqual({ date: '2025-02-20', provisional: false });
  });

  it('counts 15 working days from Friday 2025-09-26 across National Day to 2025-10-23', () => {
    // 1 Sun 09-28 (make-up), 2 Mon 09-29, 3 Tue 09-30; off Wed 10-01 – Wed 10-08; 4 Thu 10-09,
    // 5 Fri 10-10, 6 Sat 10-11 (make-up), 7 Mon 10-13, 8 10-14, 9 10-15, 10 10-16, 11 Fri 10-17,
    // 12 Mon 10-20, 13 10-21, 14 10-22, 15 Thu 10-23.
    expect(addWorkingDays('2025-09-26', 15)).toEqual({ date: '2025-10-23', provisional: false });
  });

  it('marks a count that ran through an uncovered year as provisional', () => {
    // 2003 is not covered: Mon 12-29, Tue 12-30, Wed 12-31 counted by the weekend rule.
    expect(addWorkingDays('2003-12-26', 3)).toEqual({ date: '2003-12-31', provisional: true });
    // Into 2004: Thu 01-01 is New Year's Day, so 4 Fri 01-02, 5 Mon 01-05; still relied on 2003.
    expect(addWorkingDays('2003-12-26', 5)).toEqual({ date: '2004-01-05', provisional: true });
    expect(addWorkingDays('2004-01-02', 2)).toEqual({ date: '2004-01-06', provisional: false });
    const nextYear = WORKING_CALENDAR_COVERAGE.lastYear + 1;
    expect(addWorkingDays(`${nextYear}-03-01`, 5).provisional).toBe(true);
  });

  it.each([-1, 1.5, Number.NaN, Infinity, 1001])('refuses n = %p', (n) => {
    expect(codeOf(() => addWorkingDays('2025-01-24', n))).toBe(CaseRuleErrorCode.InvalidDayCount);
  });
});

describe('workingDaysBetween', () => {
  it('counts after the first date up to and including the second', () => {
    expect(workingDaysBetween('2025-01-24', '2025-02-20')).toEqual({ days: 15, provisional: false });
    expect(workingDaysBetween('2025-02-20', '2025-01-24')).toEqual({ days: -15, provisional: false });
    expect(workingDaysBetween('2025-01-27', '2025-02-04')).toEqual({ days: 0, provisional: false });
    expect(workingDaysBetween('2025-03-07', '2025-03-07')).toEqual({ days: 0, provisional: false });
  });

  it('inverts addWorkingDays', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 8000 }), fc.integer({ min: 0, max: 60 }), (offset, n) => {
        const from = plusDays('2004-01-01', offset);
        expect(workingDaysBetween(from, addWorkingDays(from, n).date).days).toBe(n);
      }),
    );
  });
});

describe('dueDate', () => {
  it('gives the same date as addWorkingDays without pauses', () => {
    expect(dueDate({ receivedOn: '2025-01-24', workingDays: 15 })).toEqual({
      state: 'running',
      date: '2025-02-20',
      provisional: false,
    });
  });

  it('leaves paused working days out, the start and end days included', () => {
    // Received Fri 2025-09-26, paused Mon 09-29 through Thu 10-09: paused working days are
    // 09-29, 09-30 and 10-09 (Oct 1–8 is a holiday anyway). Counting: 1 Sun 09-28, 2 Fri 10-10,
    // 3 Sat 10-11, 4 10-13, 5 10-14, 6 10-15, 7 10-16, 8 10-17, 9 10-20, 10 10-21, 11 10-22,
    // 12 10-23, 13 10-24, 14 Mon 10-27, 15 Tue 10-28: three working days after 10-23.
    expect(
      dueDate({
        receivedOn: '2025-09-26',
        workingDays: 15,
        pauses: [{ from: '2025-09-29', to: '2025-10-09' }],
      }),
    ).toEqual({ state: 'running', date: '2025-10-28', provisional: false });
    // A one-day pause on a working day moves the date by one; on a rest day, not at all.
    expect(
      dueDate({
        receivedOn: '2025-09-26',
        workingDays: 15,
        pauses: [{ from: '2025-10-13', to: '2025-10-13' }],
      }),
    ).toMatchObject({ date: '2025-10-24' });
    expect(
      dueDate({
        receivedOn: '2025-09-26',
        workingDays: 15,
        pauses: [{ from: '2025-10-01', to: '2025-10-08' }],
      }),
    ).toMatchObject({ date: '2025-10-23' });
  });

  it('ignores a pause that starts after the due date', () => {
    expect(
      dueDate({
        receivedOn: '2025-09-26',
        workingDays: 15,
        pauses: [{ from: '2025-10-24', to: '2025-11-20' }],
      }),
    ).toMatchObject({ state: 'running', date: '2025-10-23' });
    expect(
      dueDate({ receivedOn: '2025-09-26', workingDays: 15, pauses: [{ from: '2025-10-24' }] }),
    ).toMatchObject({
      state: 'running',
      date: '2025-10-23',
    });
  });

  it('has no due date while a pause that started before it is open', () => {
    // Received Fri 2025-01-24; counted Sun 01-26 and Mon 01-27, paused from Wed 02-05: 13 left.
    expect(dueDate({ receivedOn: '2025-01-24', workingDays: 15, pauses: [{ from: '2025-02-05' }] })).toEqual({
      state: 'paused',
      date: undefined,
      pausedSince: '2025-02-05',
      workingDaysLeft: 13,
      provisional: false,
    });
  });

  it('moves the due date by exactly the paused working days before it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 7900 }),
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 0, max: 40 }),
        (offset, n, startAfter, length) => {
          const receivedOn = plusDays('2004-01-01', offset);
          const plain = addWorkingDays(receivedOn, n).date;
          const from = plusDays(receivedOn, startAfter);
          const to = plusDays(from, length);
          let paused = 0;
          for (let day = from; day <= to; day = plusDays(day, 1)) {
            if (day > receivedOn && isWorkingDay(day).working) paused++;
          }
          const expected = from <= plain ? addWorkingDays(plain, paused).date : plain;
          expect(dueDate({ receivedOn, workingDays: n, pauses: [{ from, to }] })).toMatchObject({
            state: 'running',
            date: expected,
          });
        },
      ),
    );
  });

  it('accepts pauses in any order and adds them up', () => {
    // Two separate one-working-day pauses (Mon 10-13, Wed 10-15) → two working days later than 10-23.
    const pauses: ClockPause[] = [
      { from: '2025-10-15', to: '2025-10-15' },
      { from: '2025-10-13', to: '2025-10-13' },
    ];
    expect(dueDate({ receivedOn: '2025-09-26', workingDays: 15, pauses })).toMatchObject({
      date: '2025-10-27',
    });
  });

  it.each<[string, ClockPause[], CaseRuleErrorCode]>([
    [
      'ends before it starts',
      [{ from: '2025-10-10', to: '2025-10-09' }],
      CaseRuleErrorCode.PauseEndsBeforeStart,
    ],
    [
      'starts before receipt',
      [{ from: '2025-09-25', to: '2025-10-09' }],
      CaseRuleErrorCode.PauseBeforeReceipt,
    ],
    [
      'shares a day with another',
      [
        { from: '2025-10-09', to: '2025-10-13' },
        { from: '2025-10-13', to: '2025-10-14' },
      ],
      CaseRuleErrorCode.PausesOverlap,
    ],
    [
      'starts while another is open',
      [{ from: '2025-10-09' }, { from: '2025-10-20', to: '2025-10-21' }],
      CaseRuleErrorCode.PausesOverlap,
    ],
    ['has a malformed date', [{ from: '2025-10-9', to: '2025-10-13' }], CaseRuleErrorCode.InvalidDate],
  ])('refuses a pause that %s', (_, pauses, code) => {
    expect(codeOf(() => dueDate({ receivedOn: '2025-09-26', workingDays: 15, pauses }))).toBe(code);
  });

  it.each([0, -15, 2.5])('refuses %p working days', (workingDays) => {
    expect(codeOf(() => dueDate({ receivedOn: '2025-09-26', workingDays }))).toBe(
      CaseRuleErrorCode.InvalidDayCount,
    );
  });

  it('is provisional when it counts into an uncovered year', () => {
    const nextYear = WORKING_CALENDAR_COVERAGE.lastYear + 1;
    expect(dueDate({ receivedOn: `${nextYear}-06-01`, workingDays: 15 }).provisional).toBe(true);
    expect(dueDate({ receivedOn: '2025-06-03', workingDays: 15 }).provisional).toBe(false);
  });
});

describe('deadlineProgress', () => {
  it.each([
    // due Thu 2025-02-20
    ['2025-02-14', { overdue: false, dueSoon: false, workingDaysLeft: 4 }], // Fri: Mon–Thu left
    ['2025-02-17', { overdue: false, dueSoon: true, workingDaysLeft: 3 }],
    ['2025-02-20', { overdue: false, dueSoon: true, workingDaysLeft: 0 }],
    ['2025-02-21', { overdue: true, dueSoon: false, workingDaysLeft: -1 }],
    ['2025-02-24', { overdue: true, dueSoon: false, workingDaysLeft: -2 }],
  ])('on %s', (today, expected) => {
    expect(deadlineProgress('2025-02-20', today)).toEqual({ ...expected, provisional: false });
  });

  it('takes the due-soon window as a parameter', () => {
    expect(deadlineProgress('2025-02-20', '2025-02-14', 4).dueSoon).toBe(true);
    expect(deadlineProgress('2025-02-20', '2025-02-17', 2).dueSoon).toBe(false);
    expect(codeOf(() => deadlineProgress('2025-02-20', '2025-02-17', -1))).toBe(
      CaseRuleErrorCode.InvalidDayCount,
    );
  });

  it('is overdue the day after the due date even when that is a rest day', () => {
    // Due Fri 2025-02-14; Sat 02-15 is past it, with no working day missed yet.
    expect(deadlineProgress('2025-02-14', '2025-02-15')).toEqual({
      overdue: true,
      dueSoon: false,
      workingDaysLeft: 0,
      provisional: false,
    });
  });
});

import { createHash } from 'node:crypto';
import { CaseRuleError, CaseRuleErrorCode } from './case-rule.error';
import {
  applyAssistAction,
  assistDeadline,
  newAssistRequest,
  type AssistAction,
  type AssistActionType,
  type AssistFacts,
  type AssistState,
} from './assist-machine';
import type { CaseSide } from './clue-machine';
import { WORKING_CALENDAR_COVERAGE } from './working-days';

const R: CaseSide = 'receiver';
const S: CaseSide = 'sender';
const DAYS = 15;
const HASH = createHash('sha256').update('inspection-record.pdf').digest('base64url');

function codeOf(run: () => unknown): CaseRuleErrorCode | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof CaseRuleError) return error.code;
    throw error;
  }
  return undefined;
}

type Step = [AssistAction, CaseSide, string];
const run = (request: AssistFacts, steps: Step[]): AssistFacts =>
  steps.reduce((facts, [action, side, on]) => applyAssistAction(facts, action, side, on, DAYS), request);

const SAMPLE: { [A in AssistActionType]: Extract<AssistAction, { type: A }> } = {
  receive: { type: 'receive' },
  answer: { type: 'answer', answer: 'The shop is run from a warehouse in Linping.', fileHashes: [HASH] },
  return: { type: 'return', reason: 'not our region' },
  'request-more-time': { type: 'request-more-time', reason: 'the operator is away', workingDays: 10 },
  close: { type: 'close' },
};
const STATES: AssistState[] = ['sent', 'received', 'answered', 'returned', 'closed'];

/** The table from the specification, written out independently of the code. */
const ALLOWED: [AssistActionType, AssistState, CaseSide, AssistState][] = [
  ['receive', 'sent', R, 'received'],
  ['answer', 'received', R, 'answered'],
  ['return', 'received', R, 'returned'],
  ['request-more-time', 'received', R, 'received'],
  ['close', 'answered', S, 'closed'],
  ['close', 'returned', S, 'closed'],
];

const requestIn = (state: AssistState): AssistFacts => ({
  state,
  ...(state === 'sent' ? {} : { receivedOn: '2025-09-26' }),
  extraWorkingDays: 0,
  history: [],
});
const received = (on: string) =>
  applyAssistAction(newAssistRequest({ sentOn: on }), SAMPLE.receive, R, on, DAYS);

describe('applyAssistAction: the transition table', () => {
  const rows = STATES.flatMap((state) =>
    (Object.keys(SAMPLE) as AssistActionType[]).flatMap((action) =>
      [R, S].map((side) => ({ state, action, side })),
    ),
  );

  it.each(rows)('$action on $state by the $side', ({ state, action, side }) => {
    const allowed = ALLOWED.find(([a, s, by]) => a === action && s === state && by === side);
    const forOther = ALLOWED.find(([a, s, by]) => a === action && s === state && by !== side);
    const attempt = () => applyAssistAction(requestIn(state), SAMPLE[action], side, '2025-10-09', DAYS);
    if (allowed) {
      expect(attempt().state).toBe(allowed[3]);
    } else {
      expect(codeOf(attempt)).toBe(
        forOther ? CaseRuleErrorCode.WrongSide : CaseRuleErrorCode.IllegalTransition,
      );
    }
  });
});

describe('applyAssistAction', () => {
  it('walks a request from receipt to closing', () => {
    const request = run(newAssistRequest({ sentOn: '2025-09-26' }), [
      [SAMPLE.receive, R, '2025-09-26'],
      [SAMPLE.answer, R, '2025-10-13'],
      [SAMPLE.close, S, '2025-10-14'],
    ]);
    expect(request).toEqual({
      state: 'closed',
      sentOn: '2025-09-26',
      receivedOn: '2025-09-26',
      extraWorkingDays: 0,
      history: [
        { action: SAMPLE.receive, side: R, on: '2025-09-26' },
        { action: SAMPLE.answer, side: R, on: '2025-10-13' },
        { action: SAMPLE.close, side: S, on: '2025-10-14' },
      ],
    });
  });

  it('keeps a copy of the file hashes, not the caller’s array', () => {
    const hashes = [HASH];
    const answered = applyAssistAction(
      received('2025-09-26'),
      { ...SAMPLE.answer, fileHashes: hashes },
      R,
      '2025-09-29',
      DAYS,
    );
    hashes.push('changed');
    expect(answered.history.at(-1)?.action).toEqual(SAMPLE.answer);
  });

  it.each<[string, AssistAction]>([
    ['an empty answer', { ...SAMPLE.answer, answer: ' ' }],
    ['a hex file hash', { ...SAMPLE.answer, fileHashes: [createHash('sha256').update('x').digest('hex')] }],
    ['a repeated file hash', { ...SAMPLE.answer, fileHashes: [HASH, HASH] }],
    ['a return without a reason', { type: 'return', reason: '' }],
    ['more time without a reason', { ...SAMPLE['request-more-time'], reason: '' }],
    ['0 more days', { ...SAMPLE['request-more-time'], workingDays: 0 }],
    ['1.5 more days', { ...SAMPLE['request-more-time'], workingDays: 1.5 }],
    ['61 more days', { ...SAMPLE['request-more-time'], workingDays: 61 }],
  ])('refuses %s', (_, action) => {
    expect(codeOf(() => applyAssistAction(received('2025-09-26'), action, R, '2025-09-29', DAYS))).toBe(
      CaseRuleErrorCode.InvalidField,
    );
  });

  it('accepts an answer without files', () => {
    const answered = applyAssistAction(
      received('2025-09-26'),
      { type: 'answer', answer: 'Nothing found.' },
      R,
      '2025-09-29',
      DAYS,
    );
    expect(answered.state).toBe('answered');
  });

  it('refuses an action dated before the last one', () => {
    expect(
      codeOf(() => applyAssistAction(received('2025-09-26'), SAMPLE.answer, R, '2025-09-25', DAYS)),
    ).toBe(CaseRuleErrorCode.DateOutOfOrder);
  });

  it('refuses a receipt dated before the send, and still applies facts stored without its date', () => {
    const sent = newAssistRequest({ sentOn: '2025-09-27' });
    expect(codeOf(() => applyAssistAction(sent, SAMPLE.receive, R, '2025-09-26', DAYS))).toBe(
      CaseRuleErrorCode.DateOutOfOrder,
    );
    expect(applyAssistAction(sent, SAMPLE.receive, R, '2025-09-27', DAYS).receivedOn).toBe('2025-09-27');
    const stored = JSON.parse('{"state":"sent","extraWorkingDays":0,"history":[]}') as AssistFacts;
    expect(applyAssistAction(stored, SAMPLE.receive, R, '2025-09-26', DAYS).receivedOn).toBe('2025-09-26');
  });

  describe('request-more-time', () => {
    // Received Fri 2025-09-26: the answer is due Thu 2025-10-23 (see working-days.spec.ts).
    it('is allowed up to and on the due date, and adds its days', () => {
      const more = applyAssistAction(
        received('2025-09-26'),
        SAMPLE['request-more-time'],
        R,
        '2025-10-23',
        DAYS,
      );
      expect(more).toMatchObject({ state: 'received', extraWorkingDays: 10 });
      // 10 more working days after Oct 23: Oct 24, 27–31, Nov 3–6 → Thu 2025-11-06.
      expect(assistDeadline(more, DAYS, '2025-10-24')).toMatchObject({
        state: 'running',
        dueDate: '2025-11-06',
      });
    });

    it('is refused after the due date', () => {
      expect(
        codeOf(() =>
          applyAssistAction(received('2025-09-26'), SAMPLE['request-more-time'], R, '2025-10-24', DAYS),
        ),
      ).toBe(CaseRuleErrorCode.DeadlinePassed);
    });

    it('is allowed once', () => {
      const more = applyAssistAction(
        received('2025-09-26'),
        SAMPLE['request-more-time'],
        R,
        '2025-10-20',
        DAYS,
      );
      expect(codeOf(() => applyAssistAction(more, SAMPLE['request-more-time'], R, '2025-10-21', DAYS))).toBe(
        CaseRuleErrorCode.MoreTimeUsed,
      );
    });
  });
});

describe('assistDeadline', () => {
  it('does not apply before receipt', () => {
    expect(assistDeadline(newAssistRequest({ sentOn: '2025-09-26' }), DAYS, '2025-09-26')).toEqual({
      state: 'not-applicable',
    });
  });

  it('falls due 15 working days after a Friday before Spring Festival: 2025-02-20', () => {
    expect(assistDeadline(received('2025-01-24'), DAYS, '2025-02-18')).toEqual({
      state: 'running',
      dueDate: '2025-02-20',
      overdue: false,
      dueSoon: true,
      workingDaysLeft: 2,
      provisional: false,
    });
    expect(assistDeadline(received('2025-01-24'), DAYS, '2025-02-21')).toMatchObject({ overdue: true });
  });

  it('uses the agreement’s own number of days', () => {
    // 20 working days after 2025-01-24: five more after Feb 20 → Feb 21, 24, 25, 26, 27.
    expect(assistDeadline(received('2025-01-24'), 20, '2025-01-24')).toMatchObject({ dueDate: '2025-02-27' });
  });

  it('is met by the answer or by a return', () => {
    const answered = applyAssistAction(received('2025-09-26'), SAMPLE.answer, R, '2025-10-24', DAYS);
    expect(assistDeadline(answered, DAYS, '2025-11-01')).toEqual({
      state: 'met',
      dueDate: '2025-10-23',
      metOn: '2025-10-24',
      late: true,
      provisional: false,
    });
    const returned = run(received('2025-09-26'), [
      [SAMPLE.return, R, '2025-09-29'],
      [SAMPLE.close, S, '2025-09-30'],
    ]);
    expect(assistDeadline(returned, DAYS, '2025-11-01')).toMatchObject({
      state: 'met',
      metOn: '2025-09-29',
      late: false,
    });
  });

  it('is provisional in a year the calendar does not cover', () => {
    const nextYear = WORKING_CALENDAR_COVERAGE.lastYear + 1;
    expect(assistDeadline(received(`${nextYear}-03-02`), DAYS, `${nextYear}-03-02`)).toMatchObject({
      provisional: true,
    });
  });

  it('refuses a malformed number of days or facts without a receipt', () => {
    expect(codeOf(() => assistDeadline(received('2025-09-26'), 0, '2025-09-26'))).toBe(
      CaseRuleErrorCode.InvalidDayCount,
    );
    expect(codeOf(() => assistDeadline(requestIn('answered'), DAYS, '2025-09-26'))).toBe(
      CaseRuleErrorCode.InvalidFacts,
    );
  });
});

import { CaseRuleError, CaseRuleErrorCode } from './case-rule.error';
import {
  applyClueAction,
  clueDeadline,
  newClue,
  type CaseSide,
  type ClueAction,
  type ClueActionType,
  type ClueFacts,
  type ClueState,
} from './clue-machine';
import { WORKING_CALENDAR_COVERAGE } from './working-days';

const R: CaseSide = 'receiver';
const S: CaseSide = 'sender';
const OPEN = { noOnwardTransfer: false };

function codeOf(run: () => unknown): CaseRuleErrorCode | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof CaseRuleError) return error.code;
    throw error;
  }
  return undefined;
}

type Step = [ClueAction, CaseSide, string];
const run = (clue: ClueFacts, steps: Step[]): ClueFacts =>
  steps.reduce((facts, [action, side, on]) => applyClueAction(facts, action, side, on, 15), clue);

/** A valid action of each type, to exercise the transition table. */
const SAMPLE: { [A in ClueActionType]: Extract<ClueAction, { type: A }> } = {
  receive: { type: 'receive' },
  accept: { type: 'accept' },
  return: { type: 'return', reason: 'the seller operates in our region no longer' },
  transfer: { type: 'transfer', toRegion: '370100', reason: 'the seller operates in Jinan' },
  'start-check': { type: 'start-check' },
  file: { type: 'file', caseNumber: '杭市监立〔2025〕12号' },
  'not-file': { type: 'not-file', reason: 'no violation found' },
  'transfer-police': {
    type: 'transfer-police',
    authority: 'Hangzhou Public Security Bureau',
    reason: 'fraud',
  },
  'transfer-department': {
    type: 'transfer-department',
    department: 'Tobacco Monopoly Bureau',
    reason: 'tobacco',
  },
  result: {
    type: 'result',
    outcome: 'penalty',
    penaltyYuan: '12000.50',
    decisionNumber: '杭市监罚〔2025〕88号',
  },
  close: { type: 'close' },
  extend: { type: 'extend', reason: 'many shops to check' },
  pause: { type: 'pause', ground: 'testing', reason: 'samples sent to the lab' },
  resume: { type: 'resume' },
};

const STATES: ClueState[] = [
  'sent',
  'received',
  'accepted',
  'returned',
  'transferred',
  'checking',
  'filed',
  'not-filed',
  'transferred-police',
  'transferred-department',
  'resulted',
  'closed',
];
const ACTIONS = Object.keys(SAMPLE) as ClueActionType[];

/** The table from the specification, written out independently of the code. */
const ALLOWED: [ClueActionType, ClueState, CaseSide, ClueState][] = [
  ['receive', 'sent', R, 'received'],
  ['accept', 'received', R, 'accepted'],
  ['return', 'received', R, 'returned'],
  ['transfer', 'received', R, 'transferred'],
  ['start-check', 'accepted', R, 'checking'],
  ['file', 'checking', R, 'filed'],
  ['not-file', 'checking', R, 'not-filed'],
  ['transfer-police', 'checking', R, 'transferred-police'],
  ['transfer-department', 'checking', R, 'transferred-department'],
  ['result', 'filed', R, 'resulted'],
  ['close', 'resulted', R, 'closed'],
  ['close', 'not-filed', R, 'closed'],
  ['close', 'transferred-police', R, 'closed'],
  ['close', 'transferred-department', R, 'closed'],
  ['close', 'returned', S, 'closed'],
  ...(['received', 'accepted', 'checking'] as const).flatMap((state) =>
    (['extend', 'pause', 'resume'] as const).map(
      (action): [ClueActionType, ClueState, CaseSide, ClueState] => [action, state, R, state],
    ),
  ),
];

/** Facts in `state`, received Fri 2025-09-26; with an open pause when `paused`. */
function clueIn(state: ClueState, paused = false): ClueFacts {
  return {
    state,
    ...(state === 'sent' ? {} : { receivedOn: '2025-09-26' }),
    restrictions: OPEN,
    extensionUsed: false,
    pauses: paused ? [{ from: '2025-09-29', ground: 'testing', reason: 'lab' }] : [],
    history: [],
  };
}

describe('applyClueAction: the transition table', () => {
  const rows = STATES.flatMap((state) =>
    ACTIONS.flatMap((action) => [R, S].map((side) => ({ state, action, side }))),
  );

  it('has 12 states × 14 actions × 2 sides, 24 of them allowed', () => {
    expect(rows).toHaveLength(336);
    expect(ALLOWED).toHaveLength(24);
  });

  it.each(rows)('$action on $state by the $side', ({ state, action, side }) => {
    const allowed = ALLOWED.find(([a, s, by]) => a === action && s === state && by === side);
    const forOther = ALLOWED.find(([a, s, by]) => a === action && s === state && by !== side);
    const attempt = () =>
      applyClueAction(clueIn(state, action === 'resume'), SAMPLE[action], side, '2025-10-09', 15);
    if (allowed) {
      expect(attempt().state).toBe(allowed[3]);
    } else {
      expect(codeOf(attempt)).toBe(
        forOther ? CaseRuleErrorCode.WrongSide : CaseRuleErrorCode.IllegalTransition,
      );
    }
  });
});

describe('applyClueAction', () => {
  it('walks a clue from sending to closing, recording each step', () => {
    const clue = run(newClue({ restrictions: OPEN, sentOn: '2025-01-24' }), [
      [SAMPLE.receive, R, '2025-01-24'],
      [SAMPLE.accept, R, '2025-01-26'],
      [SAMPLE['start-check'], R, '2025-01-27'],
      [SAMPLE.file, R, '2025-02-10'],
      [SAMPLE.result, R, '2025-05-06'],
      [SAMPLE.close, R, '2025-05-07'],
    ]);
    expect(clue.state).toBe('closed');
    expect(clue.receivedOn).toBe('2025-01-24');
    expect(clue.history.map((event) => [event.action.type, event.side, event.on])).toEqual([
      ['receive', R, '2025-01-24'],
      ['accept', R, '2025-01-26'],
      ['start-check', R, '2025-01-27'],
      ['file', R, '2025-02-10'],
      ['result', R, '2025-05-06'],
      ['close', R, '2025-05-07'],
    ]);
    expect(clue.history[4].action).toEqual(SAMPLE.result);
  });

  it('lets the sender close a returned clue', () => {
    const clue = run(newClue({ restrictions: OPEN, sentOn: '2025-03-03' }), [
      [SAMPLE.receive, R, '2025-03-03'],
      [SAMPLE.return, R, '2025-03-04'],
      [SAMPLE.close, S, '2025-03-05'],
    ]);
    expect(clue.state).toBe('closed');
  });

  it('leaves the facts it was given untouched', () => {
    const deepFreeze = <T>(value: T): T => {
      Object.values(value as object).forEach(
        (inner) => typeof inner === 'object' && inner && deepFreeze(inner),
      );
      return Object.freeze(value);
    };
    const before = deepFreeze(
      run(newClue({ restrictions: OPEN, sentOn: '2025-09-26' }), [[SAMPLE.receive, R, '2025-09-26']]),
    );
    const copy = structuredClone(before);
    const after = run(before, [
      [SAMPLE.pause, R, '2025-09-29'],
      [SAMPLE.resume, R, '2025-10-09'],
      [SAMPLE.extend, R, '2025-10-10'],
      [SAMPLE.transfer, R, '2025-10-13'],
    ]);
    expect(before).toEqual(copy);
    expect(after).toMatchObject({ state: 'transferred', extensionUsed: true });
    expect(after.pauses).toEqual([
      { from: '2025-09-29', to: '2025-10-09', ground: 'testing', reason: SAMPLE.pause.reason },
    ]);
  });

  describe('transfer (移送)', () => {
    const received = (init: Omit<Parameters<typeof newClue>[0], 'sentOn'>) =>
      applyClueAction(newClue({ ...init, sentOn: '2025-09-26' }), SAMPLE.receive, R, '2025-09-26', 15);

    it('moves a received clue on once', () => {
      const clue = applyClueAction(received({ restrictions: OPEN }), SAMPLE.transfer, R, '2025-09-29', 15);
      expect(clue.state).toBe('transferred');
      expect(clue.history.at(-1)?.action).toEqual(SAMPLE.transfer);
    });

    it('refuses to transfer a clue that came by transfer', () => {
      const clue = received({ restrictions: OPEN, transferredFrom: '330100' });
      expect(codeOf(() => applyClueAction(clue, SAMPLE.transfer, R, '2025-09-29', 15))).toBe(
        CaseRuleErrorCode.TransferLimit,
      );
      // Returning it stays possible.
      expect(applyClueAction(clue, SAMPLE.return, R, '2025-09-29', 15).state).toBe('returned');
    });

    it('refuses to pass on a clue the sender restricted', () => {
      const clue = received({ restrictions: { noOnwardTransfer: true } });
      expect(codeOf(() => applyClueAction(clue, SAMPLE.transfer, R, '2025-09-29', 15))).toBe(
        CaseRuleErrorCode.TransferRestricted,
      );
      expect(applyClueAction(clue, SAMPLE.accept, R, '2025-09-29', 15).state).toBe('accepted');
    });

    it('reports the transfer limit first when both apply', () => {
      const clue = received({ restrictions: { noOnwardTransfer: true }, transferredFrom: '330100' });
      expect(codeOf(() => applyClueAction(clue, SAMPLE.transfer, R, '2025-09-29', 15))).toBe(
        CaseRuleErrorCode.TransferLimit,
      );
    });

    it('refuses a field the action does not have: every field of a step is signed and kept', () => {
      const clue = clueIn('received');
      const accept = { type: 'accept', caseNumber: 'ZZ', toRegion: '370000' } as unknown as ClueAction;
      expect(() => applyClueAction(clue, accept, R, '2025-09-29', 15)).toThrow(
        "a clue's accept has no caseNumber, toRegion (it has no fields)",
      );
      expect(codeOf(() => applyClueAction(clue, accept, R, '2025-09-29', 15))).toBe(
        CaseRuleErrorCode.InvalidField,
      );
      // Every action of the table has its fields listed: the sample of each passes.
      expect(applyClueAction(clue, SAMPLE.accept, R, '2025-09-29', 15).state).toBe('accepted');
    });

    it('refuses a malformed origin region', () => {
      expect(
        codeOf(() => newClue({ restrictions: OPEN, transferredFrom: 'Hangzhou', sentOn: '2025-09-26' })),
      ).toBe(CaseRuleErrorCode.InvalidField);
    });
  });

  describe('the clock', () => {
    const received = clueIn('received');

    it('refuses a second extension', () => {
      const extended = applyClueAction(received, SAMPLE.extend, R, '2025-10-09', 15);
      expect(extended.extensionUsed).toBe(true);
      expect(codeOf(() => applyClueAction(extended, SAMPLE.extend, R, '2025-10-10', 15))).toBe(
        CaseRuleErrorCode.ExtensionUsed,
      );
      const checking = run(extended, [
        [SAMPLE.accept, R, '2025-10-10'],
        [SAMPLE['start-check'], R, '2025-10-10'],
      ]);
      expect(codeOf(() => applyClueAction(checking, SAMPLE.extend, R, '2025-10-13', 15))).toBe(
        CaseRuleErrorCode.ExtensionUsed,
      );
    });

    it('refuses to pause twice, to resume unpaused, and to restart a pause on the day it ended', () => {
      const paused = applyClueAction(received, SAMPLE.pause, R, '2025-09-29', 15);
      expect(paused.state).toBe('received');
      expect(paused.pauses).toEqual([{ from: '2025-09-29', ground: 'testing', reason: SAMPLE.pause.reason }]);
      expect(codeOf(() => applyClueAction(paused, SAMPLE.pause, R, '2025-09-30', 15))).toBe(
        CaseRuleErrorCode.AlreadyPaused,
      );
      expect(codeOf(() => applyClueAction(received, SAMPLE.resume, R, '2025-09-30', 15))).toBe(
        CaseRuleErrorCode.NotPaused,
      );
      const resumed = applyClueAction(paused, SAMPLE.resume, R, '2025-10-09', 15);
      expect(codeOf(() => applyClueAction(resumed, SAMPLE.resume, R, '2025-10-10', 15))).toBe(
        CaseRuleErrorCode.NotPaused,
      );
      expect(codeOf(() => applyClueAction(resumed, SAMPLE.pause, R, '2025-10-09', 15))).toBe(
        CaseRuleErrorCode.PausesOverlap,
      );
      const again = applyClueAction(
        resumed,
        { type: 'pause', ground: 'appraisal', reason: 'appraiser' },
        R,
        '2025-10-10',
        15,
      );
      expect(again.pauses).toHaveLength(2);
    });

    it('ends an open pause when the decision is taken', () => {
      const decided = run(received, [
        [SAMPLE.accept, R, '2025-09-28'],
        [SAMPLE['start-check'], R, '2025-09-28'],
        [SAMPLE.pause, R, '2025-09-29'],
        [SAMPLE['not-file'], R, '2025-10-13'],
      ]);
      expect(decided.pauses).toEqual([
        { from: '2025-09-29', to: '2025-10-13', ground: 'testing', reason: SAMPLE.pause.reason },
      ]);
      expect(clueDeadline(decided, 15, '2025-10-13')).toMatchObject({ state: 'met', metOn: '2025-10-13' });
    });
  });

  describe('fields', () => {
    const checking = clueIn('checking');
    const filed = clueIn('filed');
    const badActions: [string, ClueFacts, ClueAction][] = [
      ['a return without a reason', clueIn('received'), { type: 'return', reason: '  ' }],
      ['a transfer to a non-region', clueIn('received'), { ...SAMPLE.transfer, toRegion: '3701' }],
      ['a transfer without a reason', clueIn('received'), { ...SAMPLE.transfer, reason: '' }],
      ['filing without a case number', checking, { type: 'file', caseNumber: '' }],
      ['not filing without a reason', checking, { type: 'not-file', reason: '' }],
      ['a police transfer without an authority', checking, { ...SAMPLE['transfer-police'], authority: '' }],
      [
        'a department transfer without a department',
        checking,
        { ...SAMPLE['transfer-department'], department: '' },
      ],
      ['a negative penalty', filed, { ...SAMPLE.result, penaltyYuan: '-1' }],
      ['a penalty with 3 decimals', filed, { ...SAMPLE.result, penaltyYuan: '1.234' }],
      ['a penalty with a leading zero', filed, { ...SAMPLE.result, penaltyYuan: '01' }],
      ['a penalty in exponent form', filed, { ...SAMPLE.result, penaltyYuan: '1e3' }],
      ['a penalty as a number', filed, { ...SAMPLE.result, penaltyYuan: 100 as unknown as string }],
      ['an amount with no penalty', filed, { ...SAMPLE.result, outcome: 'no-penalty', penaltyYuan: '100' }],
      ['an unknown outcome', filed, { ...SAMPLE.result, outcome: 'fine' as 'penalty' }],
      ['a result without a decision number', filed, { ...SAMPLE.result, decisionNumber: ' ' }],
      ['an extension without a reason', checking, { type: 'extend', reason: '' }],
      ['a pause on an unknown ground', checking, { ...SAMPLE.pause, ground: 'holiday' as 'testing' }],
      ['a pause without a reason', checking, { ...SAMPLE.pause, reason: '' }],
      ['an unknown action', checking, { type: 'archive' } as unknown as ClueAction],
    ];

    it.each(badActions)('refuses %s', (_, facts, action) => {
      expect(codeOf(() => applyClueAction(facts, action, R, '2025-10-09', 15))).toBe(
        CaseRuleErrorCode.InvalidField,
      );
    });

    it.each(['0', '0.00', '12000.5', '9999999999999.99'])('accepts a penalty of %s yuan', (penaltyYuan) => {
      expect(applyClueAction(filed, { ...SAMPLE.result, penaltyYuan }, R, '2025-10-09', 15).state).toBe(
        'resulted',
      );
    });

    it('accepts no penalty at 0 yuan', () => {
      const action: ClueAction = { ...SAMPLE.result, outcome: 'no-penalty', penaltyYuan: '0.00' };
      expect(applyClueAction(filed, action, R, '2025-10-09', 15).state).toBe('resulted');
    });

    it('refuses an unknown side', () => {
      expect(
        codeOf(() => applyClueAction(checking, SAMPLE.file, 'police' as CaseSide, '2025-10-09', 15)),
      ).toBe(CaseRuleErrorCode.InvalidField);
    });
  });

  describe('dates', () => {
    it('refuses a malformed date', () => {
      expect(codeOf(() => applyClueAction(clueIn('sent'), SAMPLE.receive, R, '2025/09/26', 15))).toBe(
        CaseRuleErrorCode.InvalidDate,
      );
    });

    it('refuses an action dated before the last one', () => {
      const clue = applyClueAction(clueIn('sent'), SAMPLE.receive, R, '2025-09-26', 15);
      expect(codeOf(() => applyClueAction(clue, SAMPLE.accept, R, '2025-09-25', 15))).toBe(
        CaseRuleErrorCode.DateOutOfOrder,
      );
      expect(applyClueAction(clue, SAMPLE.accept, R, '2025-09-26', 15).state).toBe('accepted');
    });

    it('refuses a receipt dated before the send, and takes one on the day of the send', () => {
      // The receiver's clock a few seconds behind the sender's around midnight: sent on the 27th,
      // still the 26th at the receiver.
      const sent = newClue({ restrictions: OPEN, sentOn: '2025-09-27' });
      expect(sent).toMatchObject({ state: 'sent', sentOn: '2025-09-27', history: [] });
      expect(codeOf(() => applyClueAction(sent, SAMPLE.receive, R, '2025-09-26', 15))).toBe(
        CaseRuleErrorCode.DateOutOfOrder,
      );
      expect(applyClueAction(sent, SAMPLE.receive, R, '2025-09-27', 15).receivedOn).toBe('2025-09-27');
    });

    it('refuses a malformed date of the send', () => {
      expect(codeOf(() => newClue({ restrictions: OPEN, sentOn: '2025-02-30' }))).toBe(
        CaseRuleErrorCode.InvalidDate,
      );
    });

    it('still applies facts stored without the date of the send', () => {
      const stored = JSON.parse(
        '{"state":"sent","restrictions":{"noOnwardTransfer":false},"extensionUsed":false,"pauses":[],"history":[]}',
      ) as ClueFacts;
      expect(applyClueAction(stored, SAMPLE.receive, R, '2025-09-26', 15)).toMatchObject({
        state: 'received',
        receivedOn: '2025-09-26',
      });
    });
  });
});

describe('clueDeadline', () => {
  const receivedOn = (date: string) =>
    applyClueAction(newClue({ restrictions: OPEN, sentOn: date }), SAMPLE.receive, R, date, 15);

  it('does not apply before receipt', () => {
    expect(clueDeadline(newClue({ restrictions: OPEN, sentOn: '2025-01-24' }), 15, '2025-01-24')).toEqual({
      state: 'not-applicable',
    });
  });

  it('falls due 15 working days after a Friday before Spring Festival: 2025-02-20', () => {
    // See working-days.spec.ts for the count: Jan 26 (make-up Sunday), Jan 27, then Feb 5 … Feb 20.
    expect(clueDeadline(receivedOn('2025-01-24'), 15, '2025-01-24')).toEqual({
      state: 'running',
      dueDate: '2025-02-20',
      overdue: false,
      dueSoon: false,
      workingDaysLeft: 15,
      provisional: false,
    });
  });

  it('falls due 15 working days after a Friday before National Day: 2025-10-23', () => {
    // Sep 28 (make-up Sunday), Sep 29, Sep 30, then Oct 9, Oct 10, Oct 11 (make-up Saturday) … Oct 23.
    expect(clueDeadline(receivedOn('2025-09-26'), 15, '2025-10-20')).toEqual({
      state: 'running',
      dueDate: '2025-10-23',
      overdue: false,
      dueSoon: true,
      workingDaysLeft: 3,
      provisional: false,
    });
  });

  it('reports overdue and due soon against today', () => {
    const clue = receivedOn('2025-01-24');
    expect(clueDeadline(clue, 15, '2025-02-14')).toMatchObject({
      dueSoon: false,
      overdue: false,
      workingDaysLeft: 4,
    });
    expect(clueDeadline(clue, 15, '2025-02-14', 4)).toMatchObject({ dueSoon: true });
    expect(clueDeadline(clue, 15, '2025-02-24')).toMatchObject({
      dueSoon: false,
      overdue: true,
      workingDaysLeft: -2,
    });
  });

  it('adds the agreement days once on extension: 2025-02-20 becomes 2025-03-13', () => {
    // After Feb 20: 16 Fri 02-21, 17–21 Feb 24–28, 22–26 Mar 3–7, 27–30 Mar 10–13 (no holidays).
    const extended = applyClueAction(receivedOn('2025-01-24'), SAMPLE.extend, R, '2025-02-17', 15);
    expect(clueDeadline(extended, 15, '2025-02-17')).toMatchObject({
      state: 'running',
      dueDate: '2025-03-13',
    });
    expect(codeOf(() => applyClueAction(extended, SAMPLE.extend, R, '2025-02-18', 15))).toBe(
      CaseRuleErrorCode.ExtensionUsed,
    );
  });

  it('takes an extension up to the due date, not after it, and while the clock stands still', () => {
    // Received Fri 2025-01-24: the decision is due Thu 2025-02-20 (15 working days, Spring Festival between).
    const clue = receivedOn('2025-01-24');
    expect(applyClueAction(clue, SAMPLE.extend, R, '2025-02-20', 15).extensionUsed).toBe(true);
    expect(codeOf(() => applyClueAction(clue, SAMPLE.extend, R, '2025-02-21', 15))).toBe(
      CaseRuleErrorCode.DeadlinePassed,
    );
    // With the agreement's 20 days the same day is still in time.
    expect(applyClueAction(clue, SAMPLE.extend, R, '2025-02-21', 20).extensionUsed).toBe(true);
    // Paused from 02-19 and not resumed: the time stands still, an extension on 03-03 is in time.
    const paused = applyClueAction(clue, SAMPLE.pause, R, '2025-02-19', 15);
    expect(applyClueAction(paused, SAMPLE.extend, R, '2025-03-03', 15).extensionUsed).toBe(true);
  });

  it('stops while paused and moves by the paused working days once resumed', () => {
    const paused = applyClueAction(receivedOn('2025-09-26'), SAMPLE.pause, R, '2025-09-29', 15);
    expect(clueDeadline(paused, 15, '2025-10-09')).toEqual({
      state: 'paused',
      dueDate: undefined,
      pausedSince: '2025-09-29',
      workingDaysLeft: 14, // only Sun Sep 28 counted
      provisional: false,
    });
    // Paused Mon 09-29 through Thu 10-09, both inclusive: 3 working days (09-29, 09-30, 10-09),
    // so 2025-10-23 moves three working days to Tue 2025-10-28.
    const resumed = applyClueAction(paused, SAMPLE.resume, R, '2025-10-09', 15);
    expect(clueDeadline(resumed, 15, '2025-10-09')).toMatchObject({
      state: 'running',
      dueDate: '2025-10-28',
    });
  });

  it('is met by the decision, late or not', () => {
    const checking = run(receivedOn('2025-01-24'), [
      [SAMPLE.accept, R, '2025-01-26'],
      [SAMPLE['start-check'], R, '2025-01-27'],
    ]);
    const inTime = applyClueAction(checking, SAMPLE.file, R, '2025-02-20', 15);
    expect(clueDeadline(inTime, 15, '2025-06-01')).toEqual({
      state: 'met',
      dueDate: '2025-02-20',
      metOn: '2025-02-20',
      late: false,
      provisional: false,
    });
    const late = run(checking, [
      [SAMPLE['transfer-police'], R, '2025-02-21'],
      [SAMPLE.close, R, '2025-03-01'],
    ]);
    expect(clueDeadline(late, 15, '2025-06-01')).toMatchObject({
      state: 'met',
      metOn: '2025-02-21',
      late: true,
    });
    const returned = applyClueAction(receivedOn('2025-01-24'), SAMPLE.return, R, '2025-01-27', 15);
    expect(clueDeadline(returned, 15, '2025-06-01')).toMatchObject({
      state: 'met',
      metOn: '2025-01-27',
      late: false,
    });
  });

  it('is provisional for a clue received in a year the calendar does not cover', () => {
    const nextYear = WORKING_CALENDAR_COVERAGE.lastYear + 1;
    expect(clueDeadline(receivedOn(`${nextYear}-03-02`), 15, `${nextYear}-03-02`)).toMatchObject({
      state: 'running',
      provisional: true,
    });
  });

  it('refuses facts that contradict themselves', () => {
    expect(codeOf(() => clueDeadline(clueIn('filed'), 15, '2025-10-09'))).toBe(
      CaseRuleErrorCode.InvalidFacts,
    );
    expect(
      codeOf(() => clueDeadline({ ...clueIn('checking'), receivedOn: undefined }, 15, '2025-10-09')),
    ).toBe(CaseRuleErrorCode.InvalidFacts);
  });
});

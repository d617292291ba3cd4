import { CaseRuleError, CaseRuleErrorCode } from './case-rule.error';
import {
  checkFields,
  checkStep,
  invalidField,
  metDeadline,
  requireText,
  runningDeadline,
  type CaseSide,
  type Transition as StepTransition,
} from './case-step';
import { DUE_SOON_WORKING_DAYS, dueDate, requireCalendarDate, type CalendarDate } from './working-days';

export type { CaseSide } from './case-step';

/**
 * The life of a case clue (线索) passed from one region's regulator (the sender) to another's (the
 * receiver). Both nodes run the same rules on the same facts.
 *
 * The receiver signs a receipt, then accepts, returns or transfers (移送) the clue; an accepted
 * clue is checked (核查) and ends in a filing decision: filed (立案), not filed, or transferred to
 * the police or to another department. A filed case ends with its result. The filing decision is
 * due `clueWorkingDays` (usually 15) working days after receipt, extendable once by as many again;
 * testing, appraisal and identification by the right holder pause the clock.
 */

export type ClueState =
  | 'sent'
  | 'received'
  | 'accepted'
  | 'returned'
  | 'transferred'
  | 'checking'
  | 'filed'
  | 'not-filed'
  | 'transferred-police'
  | 'transferred-department'
  | 'resulted'
  | 'closed';

/** Why the clock stops: testing (检测/检验), appraisal (鉴定), identification by the right holder (权利人辨认). */
export type PauseGround = 'testing' | 'appraisal' | 'right-holder-identification';

/** How a filed case ended: a penalty decision (a warning is one, at 0 yuan), no penalty, or the case withdrawn. */
export type ClueOutcome = 'penalty' | 'no-penalty' | 'withdrawn';

/** What the sender allows the receiver to do with the clue. */
export interface ClueRestrictions {
  /** The clue may not be passed on to a third region without the sender's consent. */
  readonly noOnwardTransfer: boolean;
}

export type ClueAction =
  | { readonly type: 'receive' }
  | { readonly type: 'accept' }
  | { readonly type: 'return'; readonly reason: string }
  | { readonly type: 'transfer'; readonly toRegion: string; readonly reason: string }
  | { readonly type: 'start-check' }
  | { readonly type: 'file'; readonly caseNumber: string }
  | { readonly type: 'not-file'; readonly reason: string }
  | { readonly type: 'transfer-police'; readonly authority: string; readonly reason: string }
  | { readonly type: 'transfer-department'; readonly department: string; readonly reason: string }
  | {
      readonly type: 'result';
      readonly outcome: ClueOutcome;
      /** Yuan, e.g. `"12000.50"`: at most 2 decimals, never negative. */
      readonly penaltyYuan: string;
      readonly decisionNumber: string;
    }
  | { readonly type: 'close' }
  | { readonly type: 'extend'; readonly reason: string }
  | { readonly type: 'pause'; readonly ground: PauseGround; readonly reason: string }
  | { readonly type: 'resume' };

export type ClueActionType = ClueAction['type'];

export interface ClueEvent {
  readonly action: ClueAction;
  readonly side: CaseSide;
  readonly on: CalendarDate;
}

/** A stop of the clock: `from` through `to`, both days inclusive; open while `to` is missing. */
export interface CluePause {
  readonly from: CalendarDate;
  readonly to?: CalendarDate;
  readonly ground: PauseGround;
  readonly reason: string;
}

/** What the clue rules need to know; kept by both nodes. */
export interface ClueFacts {
  readonly state: ClueState;
  /**
   * The day the sender dated the send (step 1); no later step may be dated before it. Missing in
   * facts stored before it was recorded: those are checked against their recorded steps only.
   */
  readonly sentOn?: CalendarDate;
  /** Date of the signed receipt; set by `receive`. */
  readonly receivedOn?: CalendarDate;
  /** Region code the clue came from by transfer, if it did. */
  readonly transferredFrom?: string;
  readonly restrictions: ClueRestrictions;
  readonly extensionUsed: boolean;
  readonly pauses: readonly CluePause[];
  readonly history: readonly ClueEvent[];
}

export type ClueDeadline =
  /** Not received yet. */
  | { readonly state: 'not-applicable' }
  | ({ readonly state: 'running'; readonly dueDate: CalendarDate } & ClueProgress)
  | {
      readonly state: 'paused';
      readonly dueDate: undefined;
      readonly pausedSince: CalendarDate;
      readonly workingDaysLeft: number;
      readonly provisional: boolean;
    }
  | {
      readonly state: 'met';
      readonly dueDate: CalendarDate;
      /** The day of the decision that met it. */
      readonly metOn: CalendarDate;
      readonly late: boolean;
      readonly provisional: boolean;
    };

interface ClueProgress {
  readonly overdue: boolean;
  readonly dueSoon: boolean;
  readonly workingDaysLeft: number;
  readonly provisional: boolean;
}

type Transition = StepTransition<ClueState>;

const byReceiver = (to: ClueState): Transition => ({ side: 'receiver', to });

/** States in which the filing decision is still due; clock actions keep the state. */
const DECISION_DUE: readonly ClueState[] = ['received', 'accepted', 'checking'];
const keepState = Object.fromEntries(DECISION_DUE.map((state) => [state, byReceiver(state)]));

/** Who may take each action in which state, and where it leads. Anything missing is illegal. */
const TRANSITIONS: { readonly [A in ClueActionType]: Partial<Record<ClueState, Transition>> } = {
  receive: { sent: byReceiver('received') },
  accept: { received: byReceiver('accepted') },
  return: { received: byReceiver('returned') },
  transfer: { received: byReceiver('transferred') },
  'start-check': { accepted: byReceiver('checking') },
  file: { checking: byReceiver('filed') },
  'not-file': { checking: byReceiver('not-filed') },
  'transfer-police': { checking: byReceiver('transferred-police') },
  'transfer-department': { checking: byReceiver('transferred-department') },
  result: { filed: byReceiver('resulted') },
  close: {
    resulted: byReceiver('closed'),
    'not-filed': byReceiver('closed'),
    'transferred-police': byReceiver('closed'),
    'transferred-department': byReceiver('closed'),
    returned: { side: 'sender', to: 'closed' },
  },
  extend: keepState,
  pause: keepState,
  resume: keepState,
};

/** The fields each action of a clue carries. */
const FIELDS: Readonly<Record<ClueActionType, readonly string[]>> = {
  receive: [],
  accept: [],
  return: ['reason'],
  transfer: ['toRegion', 'reason'],
  'start-check': [],
  file: ['caseNumber'],
  'not-file': ['reason'],
  'transfer-police': ['authority', 'reason'],
  'transfer-department': ['department', 'reason'],
  result: ['outcome', 'penaltyYuan', 'decisionNumber'],
  close: [],
  extend: ['reason'],
  pause: ['ground', 'reason'],
  resume: [],
};

/** Whether `type` names a step of a clue at all (whoever may take it, in whatever state). */
export function isClueAction(type: string): boolean {
  return Object.hasOwn(TRANSITIONS, type);
}

/** Actions that make the filing decision (and so meet the deadline). */
const DECISIONS: ReadonlySet<ClueActionType> = new Set<ClueActionType>([
  'return',
  'transfer',
  'file',
  'not-file',
  'transfer-police',
  'transfer-department',
]);

const PAUSE_GROUNDS: ReadonlySet<string> = new Set<PauseGround>([
  'testing',
  'appraisal',
  'right-holder-identification',
]);
const OUTCOMES: ReadonlySet<string> = new Set<ClueOutcome>(['penalty', 'no-penalty', 'withdrawn']);
const REGION_CODE = /^[0-9]{6}$/;
/** Up to 13 integer digits (fits numeric(15,2)), at most 2 decimals, no sign. */
const YUAN = /^(0|[1-9][0-9]{0,12})(\.[0-9]{1,2})?$/;

/**
 * A clue as the sender creates it, sent on `sentOn` (the date of the send, as signed): both nodes
 * start from these facts, so both refuse a step dated before the send.
 */
export function newClue(init: {
  restrictions: ClueRestrictions;
  transferredFrom?: string;
  sentOn: CalendarDate;
}): ClueFacts {
  requireCalendarDate(init.sentOn, 'sentOn');
  if (init.transferredFrom !== undefined && !REGION_CODE.test(init.transferredFrom)) {
    throw invalidField('transferredFrom', 'must be a six-digit region code');
  }
  return {
    state: 'sent',
    sentOn: init.sentOn,
    ...(init.transferredFrom === undefined ? {} : { transferredFrom: init.transferredFrom }),
    restrictions: { noOnwardTransfer: init.restrictions.noOnwardTransfer },
    extensionUsed: false,
    pauses: [],
    history: [],
  };
}

/**
 * Applies one action taken by `side` on `on`, and returns the new facts; `clue` is left as it was.
 * `clueWorkingDays` is the agreement's time for the filing decision, needed to tell whether an
 * extension comes before the decision is due.
 *
 * Checks, in order: the date (`invalid-date`, `date-out-of-order` when before the last recorded
 * action or the send); the state and side (`illegal-transition`, `wrong-side`); the action's own rules
 * (`transfer-limit`, `transfer-restricted`, `extension-used`, `deadline-passed`,
 * `already-paused`, `not-paused`, `pauses-overlap`); its fields (`invalid-field`).
 *
 * A decision taken while the clock is paused ends the pause on the day of the decision.
 */
export function applyClueAction(
  clue: ClueFacts,
  action: ClueAction,
  side: CaseSide,
  on: CalendarDate,
  clueWorkingDays: number,
): ClueFacts {
  const transition = checkStep(clue, action, side, on, TRANSITIONS, 'clue');
  checkFields(action, FIELDS, 'clue');

  let pauses = clue.pauses;
  const open = pauses.at(-1)?.to === undefined ? pauses.at(-1) : undefined;
  let extensionUsed = clue.extensionUsed;
  switch (action.type) {
    case 'receive':
    case 'accept':
    case 'start-check':
    case 'close':
      break;
    case 'return':
    case 'not-file':
      requireText(action.reason, 'reason');
      break;
    case 'extend':
      if (extensionUsed) {
        throw new CaseRuleError(CaseRuleErrorCode.ExtensionUsed, 'the deadline has already been extended');
      }
      requireExtensionInTime(clue, clueWorkingDays, on);
      requireText(action.reason, 'reason');
      extensionUsed = true;
      break;
    case 'transfer':
      if (clue.transferredFrom !== undefined) {
        throw new CaseRuleError(
          CaseRuleErrorCode.TransferLimit,
          `the clue came by transfer from ${clue.transferredFrom} and may not be transferred again`,
        );
      }
      if (clue.restrictions.noOnwardTransfer) {
        throw new CaseRuleError(
          CaseRuleErrorCode.TransferRestricted,
          "the sender's restrictions forbid passing the clue on",
        );
      }
      if (!REGION_CODE.test(action.toRegion))
        throw invalidField('toRegion', 'must be a six-digit region code');
      requireText(action.reason, 'reason');
      break;
    case 'file':
      requireText(action.caseNumber, 'caseNumber');
      break;
    case 'transfer-police':
      requireText(action.authority, 'authority');
      requireText(action.reason, 'reason');
      break;
    case 'transfer-department':
      requireText(action.department, 'department');
      requireText(action.reason, 'reason');
      break;
    case 'result':
      requireResult(action);
      break;
    case 'pause': {
      if (open !== undefined) {
        throw new CaseRuleError(CaseRuleErrorCode.AlreadyPaused, `the clock is paused since ${open.from}`);
      }
      const previous = pauses.at(-1);
      if (previous?.to !== undefined && on <= previous.to) {
        throw new CaseRuleError(
          CaseRuleErrorCode.PausesOverlap,
          `the last pause ran through ${previous.to} (inclusive): a new one may start the day after`,
        );
      }
      if (!PAUSE_GROUNDS.has(action.ground)) {
        throw invalidField('ground', 'must be testing, appraisal or right-holder-identification');
      }
      requireText(action.reason, 'reason');
      pauses = [...pauses, { from: on, ground: action.ground, reason: action.reason }];
      break;
    }
    case 'resume':
      if (open === undefined) throw new CaseRuleError(CaseRuleErrorCode.NotPaused, 'the clock is not paused');
      break;
  }
  if (open !== undefined && (action.type === 'resume' || DECISIONS.has(action.type))) {
    pauses = [...pauses.slice(0, -1), { ...open, to: on }];
  }

  return {
    ...clue,
    state: transition.to,
    ...(action.type === 'receive' ? { receivedOn: on } : {}),
    extensionUsed,
    pauses,
    history: [...clue.history, { action: { ...action }, side, on }],
  };
}

/**
 * The filing decision's deadline: `workingDays` (the agreement's clue days) after receipt, twice
 * that once extended, later by the paused working days before it (see `dueDate`).
 * Running: overdue once `today` is past the due date; due soon at most `dueSoonWithin` working
 * days before it. Met: by the first decision (return, transfer, file, not-file, transfer to
 * police or department), late when made after the due date.
 */
export function clueDeadline(
  facts: ClueFacts,
  workingDays: number,
  today: CalendarDate,
  dueSoonWithin: number = DUE_SOON_WORKING_DAYS,
): ClueDeadline {
  requireCalendarDate(today, 'today');
  if (facts.state === 'sent') return { state: 'not-applicable' };
  const due = decisionDue(facts, workingDays);

  if (!DECISION_DUE.includes(facts.state)) {
    const decision = facts.history.find((event) => DECISIONS.has(event.action.type));
    if (decision === undefined || due.state !== 'running') {
      throw new CaseRuleError(
        CaseRuleErrorCode.InvalidFacts,
        `a ${facts.state} clue needs a recorded decision and no open pause`,
      );
    }
    return metDeadline(due, decision.on);
  }
  if (due.state === 'paused') {
    return {
      state: 'paused',
      dueDate: undefined,
      pausedSince: due.pausedSince,
      workingDaysLeft: due.workingDaysLeft,
      provisional: due.provisional,
    };
  }
  return runningDeadline(due, today, dueSoonWithin);
}

/**
 * When the filing decision is due: `workingDays` after receipt, twice that once extended, pauses
 * added. A clue past `sent` without a receipt date contradicts itself.
 */
function decisionDue(facts: ClueFacts, workingDays: number) {
  if (facts.receivedOn === undefined) {
    throw new CaseRuleError(CaseRuleErrorCode.InvalidFacts, `a ${facts.state} clue has no receipt date`);
  }
  return dueDate({
    receivedOn: facts.receivedOn,
    workingDays: facts.extensionUsed ? workingDays * 2 : workingDays,
    pauses: facts.pauses,
  });
}

/**
 * An extension is decided while the time runs (or stands still): a clue already overdue stays
 * late rather than being extended after the fact.
 */
function requireExtensionInTime(clue: ClueFacts, workingDays: number, on: CalendarDate): void {
  const due = decisionDue(clue, workingDays);
  if (due.state === 'running' && on > due.date) {
    throw new CaseRuleError(
      CaseRuleErrorCode.DeadlinePassed,
      `the extension had to be decided by ${due.date}, when the filing decision was due`,
    );
  }
}

function requireResult(action: Extract<ClueAction, { type: 'result' }>): void {
  if (!OUTCOMES.has(action.outcome))
    throw invalidField('outcome', 'must be penalty, no-penalty or withdrawn');
  if (typeof action.penaltyYuan !== 'string' || !YUAN.test(action.penaltyYuan)) {
    throw invalidField('penaltyYuan', 'must be a non-negative yuan amount with at most 2 decimals');
  }
  if (action.outcome !== 'penalty' && Number(action.penaltyYuan) !== 0) {
    throw invalidField('penaltyYuan', `must be 0 when the outcome is ${action.outcome}`);
  }
  requireText(action.decisionNumber, 'decisionNumber');
}

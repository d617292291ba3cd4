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
import {
  DUE_SOON_WORKING_DAYS,
  MAX_WORKING_DAYS,
  addWorkingDays,
  requireCalendarDate,
  type CalendarDate,
} from './working-days';

/**
 * An assistance request (协助调查): the sender asks another region's regulator to investigate
 * something for its case. The receiver signs a receipt, then answers or returns it; the sender
 * closes it.
 *
 * The answer is due `assistWorkingDays` working days after receipt (the day of receipt not
 * counted). The receiver may ask for more time once, at the latest on the due date, naming a reason
 * and how many working days (1–60) it needs; the request is a notice the sender cannot refuse, so the
 * days are added when it is made.
 */

export type AssistState = 'sent' | 'received' | 'answered' | 'returned' | 'closed';

export type AssistAction =
  | { readonly type: 'receive' }
  | {
      readonly type: 'answer';
      readonly answer: string;
      /** SHA-256 of each attached file, base64url (43 characters), as elsewhere in Regulink. */
      readonly fileHashes?: readonly string[];
    }
  | { readonly type: 'return'; readonly reason: string }
  | { readonly type: 'request-more-time'; readonly reason: string; readonly workingDays: number }
  | { readonly type: 'close' };

export type AssistActionType = AssistAction['type'];

export interface AssistEvent {
  readonly action: AssistAction;
  readonly side: CaseSide;
  readonly on: CalendarDate;
}

export interface AssistFacts {
  readonly state: AssistState;
  /**
   * The day the sender dated the send (step 1); no later step may be dated before it. Missing in
   * facts stored before it was recorded: those are checked against their recorded steps only.
   */
  readonly sentOn?: CalendarDate;
  readonly receivedOn?: CalendarDate;
  /** Working days granted by the one request for more time; 0 until then. */
  readonly extraWorkingDays: number;
  readonly history: readonly AssistEvent[];
}

export type AssistDeadline =
  | { readonly state: 'not-applicable' }
  | {
      readonly state: 'running';
      readonly dueDate: CalendarDate;
      readonly overdue: boolean;
      readonly dueSoon: boolean;
      readonly workingDaysLeft: number;
      readonly provisional: boolean;
    }
  | {
      readonly state: 'met';
      readonly dueDate: CalendarDate;
      /** The day of the answer or the return. */
      readonly metOn: CalendarDate;
      readonly late: boolean;
      readonly provisional: boolean;
    };

/** The most working days one request for more time may ask for (the agreement's own upper bound). */
export const MAX_EXTRA_ASSIST_WORKING_DAYS = 60;

type Transition = StepTransition<AssistState>;

const TRANSITIONS: { readonly [A in AssistActionType]: Partial<Record<AssistState, Transition>> } = {
  receive: { sent: { side: 'receiver', to: 'received' } },
  answer: { received: { side: 'receiver', to: 'answered' } },
  return: { received: { side: 'receiver', to: 'returned' } },
  'request-more-time': { received: { side: 'receiver', to: 'received' } },
  close: { answered: { side: 'sender', to: 'closed' }, returned: { side: 'sender', to: 'closed' } },
};

/** The fields each action of an assistance request carries. */
const FIELDS: Readonly<Record<AssistActionType, readonly string[]>> = {
  receive: [],
  answer: ['answer', 'fileHashes'],
  return: ['reason'],
  'request-more-time': ['reason', 'workingDays'],
  close: [],
};

/** Whether `type` names a step of an assistance request at all (whoever may take it, in whatever state). */
export function isAssistAction(type: string): boolean {
  return Object.hasOwn(TRANSITIONS, type);
}

/** Actions that respond to the request and so meet its deadline. */
const RESPONSES: ReadonlySet<AssistActionType> = new Set<AssistActionType>(['answer', 'return']);
const FILE_HASH = /^[A-Za-z0-9_-]{43}$/;

/** A request as the sender creates it, sent on `sentOn` (see `newClue`). */
export function newAssistRequest(init: { sentOn: CalendarDate }): AssistFacts {
  requireCalendarDate(init.sentOn, 'sentOn');
  return { state: 'sent', sentOn: init.sentOn, extraWorkingDays: 0, history: [] };
}

/**
 * Applies one action taken by `side` on `on` and returns the new facts; `request` is left as it
 * was. `assistWorkingDays` is the agreement's answer time, needed to tell whether a request for
 * more time comes before the deadline. Errors as for `applyClueAction`, plus `more-time-used` and
 * `deadline-passed`.
 */
export function applyAssistAction(
  request: AssistFacts,
  action: AssistAction,
  side: CaseSide,
  on: CalendarDate,
  assistWorkingDays: number,
): AssistFacts {
  const transition = checkStep(request, action, side, on, TRANSITIONS, 'request');
  checkFields(action, FIELDS, 'request');

  let extraWorkingDays = request.extraWorkingDays;
  let stored: AssistAction = action;
  switch (action.type) {
    case 'receive':
    case 'close':
      break;
    case 'answer': {
      requireText(action.answer, 'answer');
      const hashes = action.fileHashes ?? [];
      if (
        !Array.isArray(hashes) ||
        !hashes.every((hash) => typeof hash === 'string' && FILE_HASH.test(hash))
      ) {
        throw invalidField('fileHashes', 'must be SHA-256 digests in base64url');
      }
      if (new Set(hashes).size !== hashes.length) throw invalidField('fileHashes', 'must not repeat a file');
      stored = { ...action, ...(action.fileHashes === undefined ? {} : { fileHashes: [...hashes] }) };
      break;
    }
    case 'return':
      requireText(action.reason, 'reason');
      break;
    case 'request-more-time': {
      if (extraWorkingDays > 0) {
        throw new CaseRuleError(CaseRuleErrorCode.MoreTimeUsed, 'more time has already been requested once');
      }
      const due = answerDue(request, assistWorkingDays);
      if (on > due.date) {
        throw new CaseRuleError(
          CaseRuleErrorCode.DeadlinePassed,
          `more time must be requested by ${due.date}, the answer's due date`,
        );
      }
      requireText(action.reason, 'reason');
      if (
        !Number.isInteger(action.workingDays) ||
        action.workingDays < 1 ||
        action.workingDays > MAX_EXTRA_ASSIST_WORKING_DAYS
      ) {
        throw invalidField(
          'workingDays',
          `must be a whole number from 1 to ${MAX_EXTRA_ASSIST_WORKING_DAYS}`,
        );
      }
      extraWorkingDays = action.workingDays;
      break;
    }
  }

  return {
    ...request,
    state: transition.to,
    ...(action.type === 'receive' ? { receivedOn: on } : {}),
    extraWorkingDays,
    history: [...request.history, { action: { ...stored }, side, on }],
  };
}

/**
 * The answer's deadline: `workingDays` (the agreement's assistance days) plus the extra days granted,
 * after receipt. Running: overdue once `today` is past the due date, due soon at most
 * `dueSoonWithin` working days before it. Met by the answer or a return, late when after the due date.
 */
export function assistDeadline(
  facts: AssistFacts,
  workingDays: number,
  today: CalendarDate,
  dueSoonWithin: number = DUE_SOON_WORKING_DAYS,
): AssistDeadline {
  requireCalendarDate(today, 'today');
  if (facts.state === 'sent') return { state: 'not-applicable' };
  const due = answerDue(facts, workingDays);
  if (facts.state !== 'received') {
    const response = facts.history.find((event) => RESPONSES.has(event.action.type));
    if (response === undefined) {
      throw new CaseRuleError(
        CaseRuleErrorCode.InvalidFacts,
        `a ${facts.state} request has no recorded response`,
      );
    }
    return metDeadline(due, response.on);
  }
  return runningDeadline(due, today, dueSoonWithin);
}

function answerDue(facts: AssistFacts, workingDays: number): { date: CalendarDate; provisional: boolean } {
  if (facts.receivedOn === undefined) {
    throw new CaseRuleError(CaseRuleErrorCode.InvalidFacts, `a ${facts.state} request has no receipt date`);
  }
  if (!Number.isInteger(workingDays) || workingDays < 1 || workingDays > MAX_WORKING_DAYS) {
    throw new CaseRuleError(
      CaseRuleErrorCode.InvalidDayCount,
      `workingDays must be a whole number from 1 to ${MAX_WORKING_DAYS}`,
    );
  }
  return addWorkingDays(facts.receivedOn, workingDays + facts.extraWorkingDays);
}

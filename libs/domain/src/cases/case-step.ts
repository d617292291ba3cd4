import { CaseRuleError, CaseRuleErrorCode } from './case-rule.error';
import { deadlineProgress, requireCalendarDate, type CalendarDate } from './working-days';

/** Which side of a case acts: the region that sent it, or the region that received it. */
export type CaseSide = 'sender' | 'receiver';

/** Who may take an action in a state, and the state it leads to. */
export interface Transition<S extends string> {
  readonly side: CaseSide;
  readonly to: S;
}

/**
 * The checks every action of a case passes first, in order: its date (a calendar date, not before
 * the last recorded action, nor before the send), the side, and the transition table
 * (`illegal-transition` when no side may take it in this state, `wrong-side` when only the other
 * side may). Returns the transition.
 */
export function checkStep<S extends string>(
  facts: {
    readonly state: S;
    readonly sentOn?: CalendarDate;
    readonly history: readonly { readonly on: CalendarDate }[];
  },
  action: { readonly type: string },
  side: CaseSide,
  on: CalendarDate,
  transitions: Readonly<Record<string, Partial<Record<S, Transition<S>>>>>,
  noun: string,
): Transition<S> {
  requireCalendarDate(on, 'on');
  const last = facts.history.at(-1);
  if (last !== undefined && on < last.on) {
    throw new CaseRuleError(
      CaseRuleErrorCode.DateOutOfOrder,
      `${action.type} on ${on} is before the last action on ${last.on}`,
    );
  }
  if (facts.sentOn !== undefined && on < facts.sentOn) {
    throw new CaseRuleError(
      CaseRuleErrorCode.DateOutOfOrder,
      `${action.type} on ${on} is before the send on ${facts.sentOn}`,
    );
  }
  if (side !== 'sender' && side !== 'receiver') throw invalidField('side', 'must be sender or receiver');
  const rules = (transitions as Partial<Record<string, Partial<Record<S, Transition<S>>>>>)[action.type];
  if (rules === undefined) throw invalidField('type', `unknown action ${String(action.type)}`);
  const transition = rules[facts.state];
  if (transition === undefined) {
    throw new CaseRuleError(
      CaseRuleErrorCode.IllegalTransition,
      `${action.type} is not possible on a ${facts.state} ${noun}`,
    );
  }
  if (transition.side !== side) {
    throw new CaseRuleError(
      CaseRuleErrorCode.WrongSide,
      `only the ${transition.side} may ${action.type} a ${facts.state} ${noun}`,
    );
  }
  return transition;
}

/** A due date met by the step taken on `metOn`. */
export function metDeadline(due: { date: CalendarDate; provisional: boolean }, metOn: CalendarDate) {
  return {
    state: 'met' as const,
    dueDate: due.date,
    metOn,
    late: metOn > due.date,
    provisional: due.provisional,
  };
}

/** A due date still running on `today`: overdue, due soon, working days left. */
export function runningDeadline(
  due: { date: CalendarDate; provisional: boolean },
  today: CalendarDate,
  dueSoonWithin: number,
) {
  const progress = deadlineProgress(due.date, today, dueSoonWithin);
  return {
    state: 'running' as const,
    dueDate: due.date,
    overdue: progress.overdue,
    dueSoon: progress.dueSoon,
    workingDaysLeft: progress.workingDaysLeft,
    provisional: due.provisional || progress.provisional,
  };
}

export function requireText(value: unknown, field: string): void {
  if (typeof value !== 'string' || value.trim().length === 0) throw invalidField(field, 'must not be empty');
}

export function invalidField(field: string, problem: string): CaseRuleError {
  return new CaseRuleError(CaseRuleErrorCode.InvalidField, `${field} ${problem}`);
}

/**
 * Refuses an action carrying a field its kind does not have (a case number on an `accept`, a
 * region on a `file`): every field of a step is signed and kept by both sides, so none may be
 * there that does not belong.
 */
export function checkFields(
  action: { readonly type: string },
  fields: Readonly<Record<string, readonly string[]>>,
  noun: string,
): void {
  const allowed = fields[action.type] ?? [];
  const extra = Object.keys(action).filter((key) => key !== 'type' && !allowed.includes(key));
  if (extra.length > 0) {
    throw new CaseRuleError(
      CaseRuleErrorCode.InvalidField,
      `a ${noun}'s ${action.type} has no ${extra.join(', ')}` +
        (allowed.length > 0 ? ` (its fields: ${allowed.join(', ')})` : ' (it has no fields)'),
    );
  }
}

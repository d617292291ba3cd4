import {
  CaseRuleError,
  CaseRuleErrorCode,
  DUE_SOON_WORKING_DAYS,
  addWorkingDays,
  applyAssistAction,
  applyClueAction,
  assistDeadline,
  clueDeadline,
  newAssistRequest,
  newClue,
  type AssistAction,
  type AssistFacts,
  type CaseSide,
  type ClueAction,
  type ClueFacts,
} from '@regulink/domain';
import { CasesErrorCode } from './cases.exception';

/**
 * The shared rules of `@regulink/domain` as the cases service uses them: one entry per question
 * for both kinds of case, facts kept as JSON in the case row.
 */
export type CaseKind = 'clue' | 'assist';
export type { CaseSide };
export type StepAction = (ClueAction | AssistAction) & {
  readonly type: string;
  readonly toRegion?: string;
  readonly reason?: string;
};

type Facts = Record<string, unknown>;

/**
 * The facts of a case as its sender creates it, sent on `sentOn`: the date of the signed send,
 * which both nodes start from alike (the sender as it dates the send, the receiver as it reads it).
 */
export function startFacts(
  kind: CaseKind,
  init: {
    restrictions: { noOnwardTransfer: boolean };
    transferredFrom: { region: string } | null;
    sentOn: string;
  },
): Facts {
  const facts =
    kind === 'clue'
      ? newClue({
          restrictions: init.restrictions,
          ...(init.transferredFrom ? { transferredFrom: init.transferredFrom.region } : {}),
          sentOn: init.sentOn,
        })
      : newAssistRequest({ sentOn: init.sentOn });
  return { ...facts, restrictions: init.restrictions } as unknown as Facts;
}

/** The facts after one step, or a `CaseRuleError` saying why the step is not allowed. */
export function nextFacts(
  kind: CaseKind,
  facts: Facts,
  action: StepAction,
  side: CaseSide,
  on: string,
  workingDays: number,
): Facts {
  if (kind === 'clue')
    return applyClueAction(
      facts as unknown as ClueFacts,
      action as ClueAction,
      side,
      on,
      workingDays,
    ) as unknown as Facts;
  const next = applyAssistAction(
    facts as unknown as AssistFacts,
    action as AssistAction,
    side,
    on,
    workingDays,
  );
  return { ...next, restrictions: facts.restrictions } as unknown as Facts;
}

export function stateOf(facts: Facts): string {
  return String(facts.state);
}

export function receivedOnOf(facts: Facts): string | null {
  return typeof facts.receivedOn === 'string' ? facts.receivedOn : null;
}

/** The deadline of the step the receiver owes (the filing decision, or the answer), as of `asOf`. */
export function dueOf(kind: CaseKind, facts: Facts, workingDays: number, asOf: string) {
  const deadline =
    kind === 'clue'
      ? clueDeadline(facts as unknown as ClueFacts, workingDays, asOf)
      : assistDeadline(facts as unknown as AssistFacts, workingDays, asOf);
  const running = deadline.state === 'running';
  return {
    ...deadline,
    /** The date the case is due, while a due date runs; null when met, paused or not yet received. */
    due: running ? deadline.dueDate : null,
  };
}

/** The last day counted as "due soon" from `asOf`. */
export function dueSoonUntil(asOf: string): string {
  return addWorkingDays(asOf, DUE_SOON_WORKING_DAYS).date;
}

/** A rules refusal as this context's code, or undefined for any other error. */
export function caseRefusal(error: unknown): { code: CasesErrorCode; message: string } | undefined {
  if (!(error instanceof CaseRuleError)) return undefined;
  const code = CODES[error.code];
  return code ? { code, message: error.message } : undefined;
}

const CODES: Record<CaseRuleErrorCode, CasesErrorCode | undefined> = {
  [CaseRuleErrorCode.IllegalTransition]: CasesErrorCode.TransitionIllegal,
  [CaseRuleErrorCode.WrongSide]: CasesErrorCode.WrongSide,
  [CaseRuleErrorCode.TransferLimit]: CasesErrorCode.TransferLimit,
  [CaseRuleErrorCode.TransferRestricted]: CasesErrorCode.TransferRestricted,
  [CaseRuleErrorCode.ExtensionUsed]: CasesErrorCode.ExtensionUsed,
  [CaseRuleErrorCode.AlreadyPaused]: CasesErrorCode.AlreadyPaused,
  [CaseRuleErrorCode.NotPaused]: CasesErrorCode.NotPaused,
  [CaseRuleErrorCode.MoreTimeUsed]: CasesErrorCode.MoreTimeUsed,
  [CaseRuleErrorCode.DeadlinePassed]: CasesErrorCode.DeadlinePassed,
  [CaseRuleErrorCode.InvalidDate]: CasesErrorCode.FieldInvalid,
  [CaseRuleErrorCode.InvalidDayCount]: CasesErrorCode.FieldInvalid,
  [CaseRuleErrorCode.PauseEndsBeforeStart]: CasesErrorCode.FieldInvalid,
  [CaseRuleErrorCode.PauseBeforeReceipt]: CasesErrorCode.FieldInvalid,
  [CaseRuleErrorCode.PausesOverlap]: CasesErrorCode.FieldInvalid,
  [CaseRuleErrorCode.DateOutOfOrder]: CasesErrorCode.FieldInvalid,
  [CaseRuleErrorCode.InvalidField]: CasesErrorCode.FieldInvalid,
  // Facts that contradict themselves are a fault of this node, not of the request.
  [CaseRuleErrorCode.InvalidFacts]: undefined,
};

import type { MessageRegistry } from '@regulink/federation';
import { CASE_SCOPES, type CasesService } from './cases.service';
import type { CaseKind } from './case-rules';
import {
  AssistSendBody,
  CaseStepBody,
  ClueSendBody,
  FilePieceResult,
  FilePullBody,
  OnwardBody,
} from './dto/case-message.dto';

/**
 * The messages of each kind of case, all under the kind's scope and its one grant, from the
 * region that sends the case to the region that receives it:
 * - `<kind>.send`: a new case (flows with the grant);
 * - `<kind>.step`: a later step of the sending side (with the grant);
 * - `<kind>.reply`: a step of the receiving side, its receipt first (against the grant's
 *   direction, as the answer to what the grant lets through);
 * - `<kind>.file` / `<kind>.reply-file`: a piece of an evidence file that a send or step of the
 *   sending side / of the receiving side named, pulled by the other side before it applies it.
 */
export function registerCaseMessages(registry: MessageRegistry, cases: CasesService): void {
  // A clue transferred on: the transferring region relays the competent region's steps back to
  // the region that first sent it (against the grant, like a reply).
  registry.register<OnwardBody>({
    type: 'clue.onward',
    kind: 'event',
    scope: CASE_SCOPES.clue,
    flow: 'answer',
    body: OnwardBody,
    apply: (message, manager) => cases.applyOnward(message, manager),
  });
  for (const kind of ['clue', 'assist'] as const satisfies readonly CaseKind[]) {
    const scope = CASE_SCOPES[kind];
    registry.register<ClueSendBody | AssistSendBody>({
      type: `${kind}.send`,
      kind: 'event',
      scope,
      body: kind === 'clue' ? ClueSendBody : AssistSendBody,
      verify: (message) => cases.checkFiles(message, `${kind}.file`),
      apply: (message, manager) => cases.applySend(kind, message, manager),
    });
    registry.register<CaseStepBody>({
      type: `${kind}.step`,
      kind: 'event',
      scope,
      body: CaseStepBody,
      verify: (message) => cases.checkFiles(message, `${kind}.file`),
      apply: (message, manager) => cases.applyStep(kind, 'sender', message, manager),
    });
    registry.register<CaseStepBody>({
      type: `${kind}.reply`,
      kind: 'event',
      scope,
      flow: 'answer',
      body: CaseStepBody,
      verify: (message) => cases.checkFiles(message, `${kind}.reply-file`),
      apply: (message, manager) => cases.applyStep(kind, 'receiver', message, manager),
    });
    // The asker pulls from the side that named the file: the grant runs from the answering
    // side to the asker for the sending side's files, and the other way for the receiver's.
    registry.register<FilePullBody>({
      type: `${kind}.file`,
      kind: 'query',
      scope,
      flow: 'answer',
      body: FilePullBody,
      result: FilePieceResult,
      answer: (message) => cases.answerPull(message),
    });
    registry.register<FilePullBody>({
      type: `${kind}.reply-file`,
      kind: 'query',
      scope,
      body: FilePullBody,
      result: FilePieceResult,
      answer: (message) => cases.answerPull(message),
    });
  }
}

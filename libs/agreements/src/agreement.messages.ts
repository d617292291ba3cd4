import { IsObject, IsOptional, IsString, IsUUID } from 'class-validator';
import type { MessageRegistry } from '@regulink/federation';
import type { AgreementDocument } from '@regulink/protocol';
import type { AgreementsService } from './agreements.service';
import { Chars } from '@regulink/protocol';

/** `agreement.propose` and `agreement.countersign`: the document with the signatures so far (checked in full on receipt). */
export class AgreementDocumentBody {
  @IsObject()
  document!: AgreementDocument;
}

/** `agreement.suspend`, `.resume`, `.revoke`, `.decline`: the step and why. */
export class AgreementStepBody {
  @IsUUID()
  agreementId!: string;

  @IsOptional()
  @IsString()
  @Chars(1, 500)
  reason?: string;
}

/**
 * The lifecycle messages between the parties. They have no scope: they are how agreements come
 * to exist, so they cross between any two nodes that have pinned each other's keys.
 */
export function registerAgreementMessages(registry: MessageRegistry, service: AgreementsService): void {
  registry.register<AgreementDocumentBody>({
    type: 'agreement.propose',
    kind: 'event',
    body: AgreementDocumentBody,
    verify: (message) => service.checkProposal(message),
    apply: (message, manager) => service.applyProposal(message, manager),
  });
  registry.register<AgreementDocumentBody>({
    type: 'agreement.countersign',
    kind: 'event',
    body: AgreementDocumentBody,
    verify: (message) => service.checkCountersign(message),
    apply: (message, manager) => service.applyCountersign(message, manager),
  });
  for (const step of ['suspend', 'resume', 'revoke', 'decline'] as const) {
    registry.register<AgreementStepBody>({
      type: `agreement.${step}`,
      kind: 'event',
      body: AgreementStepBody,
      verify: (message) => service.checkStep(message),
      apply: (message, manager) => service.applyStep(step, message, manager),
    });
  }
}

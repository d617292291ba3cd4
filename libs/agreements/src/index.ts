export { AgreementsModule } from './agreements.module';
export { AgreementsService, type AgreementDraft, type AgreementStep } from './agreements.service';
export { AgreementGate } from './agreement-gate';
export { AgreementDirectory } from './agreement-directory';
export { AgreementErrorCode, AgreementException } from './agreement.exception';
export { AgreementEntity, AGREEMENT_STATES, type AgreementState } from './agreement.entity';
export { AgreementEventEntity } from './agreement-event.entity';
export { AgreementUsageEntity } from './agreement-usage.entity';

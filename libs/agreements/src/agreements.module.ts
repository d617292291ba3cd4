import { Module, type OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { FederationModule, MessageRegistry } from '@regulink/federation';
import { IdentityModule } from '@regulink/identity';
import { AgreementEventEntity } from './agreement-event.entity';
import { AgreementDirectory } from './agreement-directory';
import { AgreementGate } from './agreement-gate';
import { AgreementUsageEntity } from './agreement-usage.entity';
import { AgreementEntity } from './agreement.entity';
import { registerAgreementMessages } from './agreement.messages';
import { AgreementRepository } from './agreement.repository';
import { AgreementsController } from './agreements.controller';
import { AgreementsService } from './agreements.service';

/**
 * Cooperation agreements: their lifecycle between the parties, and the gate every exchange of
 * business data passes through at the sender, in the outbox and at the receiver.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([AgreementEntity, AgreementEventEntity, AgreementUsageEntity]),
    FederationModule,
    IdentityModule,
  ],
  controllers: [AgreementsController],
  providers: [AgreementRepository, AgreementDirectory, AgreementGate, AgreementsService],
  exports: [AgreementsService, AgreementGate, AgreementDirectory],
})
export class AgreementsModule implements OnModuleInit {
  constructor(
    private readonly registry: MessageRegistry,
    private readonly service: AgreementsService,
  ) {}

  onModuleInit(): void {
    registerAgreementMessages(this.registry, this.service);
  }
}

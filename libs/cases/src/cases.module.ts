import { Module, type OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AgreementsModule } from '@regulink/agreements';
import { FederationModule, MessageRegistry } from '@regulink/federation';
import { IdentityModule } from '@regulink/identity';
import { RegistryModule } from '@regulink/registry';
import { CaseFileEntity } from './case-file.entity';
import { registerCaseMessages } from './case-messages';
import { CaseStepEntity } from './case-step.entity';
import { CaseUploadEntity } from './case-upload.entity';
import { CaseEntity } from './case.entity';
import { CasesController } from './cases.controller';
import { CasesRepository } from './cases.repository';
import { CasesService } from './cases.service';

/** Case clues and assistance requests between regions, on the agreements' deadlines. */
@Module({
  imports: [
    TypeOrmModule.forFeature([CaseEntity, CaseStepEntity, CaseFileEntity, CaseUploadEntity]),
    AgreementsModule,
    FederationModule,
    IdentityModule,
    RegistryModule,
  ],
  controllers: [CasesController],
  providers: [CasesRepository, CasesService],
})
export class CasesModule implements OnModuleInit {
  constructor(
    private readonly cases: CasesService,
    private readonly messages: MessageRegistry,
  ) {}

  onModuleInit(): void {
    registerCaseMessages(this.messages, this.cases);
  }
}

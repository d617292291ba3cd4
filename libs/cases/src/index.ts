export { CasesModule } from './cases.module';
export { CaseRefusalCode, CasesException, CasesErrorCode } from './cases.exception';
export { CaseEntity } from './case.entity';
export { CaseStepEntity } from './case-step.entity';
export { CaseFileEntity } from './case-file.entity';
export { CaseUploadEntity } from './case-upload.entity';

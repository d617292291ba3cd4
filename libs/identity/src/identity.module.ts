import { Module } from '@nestjs/common';
import { NodeIdentityService } from './node-identity.service';

@Module({
  providers: [NodeIdentityService],
  exports: [NodeIdentityService],
})
export class IdentityModule {}

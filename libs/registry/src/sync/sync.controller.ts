import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Role, Roles } from '@regulink/access';
import { SyncService } from './sync.service';

/** The state of the sync with each peer, and a way to pull now rather than at the next poll. */
@ApiTags('registry')
@ApiBearerAuth()
@Controller('registry/sync')
export class SyncController {
  constructor(private readonly sync: SyncService) {}

  /** Per peer and kind: the cursor, the last pull and its error, the batches and records received, whether it is pulled now. */
  @Get()
  @Roles(Role.Admin, Role.System)
  status() {
    return this.sync.status();
  }

  /** Pulls every peer's feeds now and answers when they are up to date (or have failed). */
  @Post('pull')
  @HttpCode(200)
  @Roles(Role.Admin, Role.System)
  async pull() {
    await this.sync.pullAll();
    return this.sync.status();
  }
}

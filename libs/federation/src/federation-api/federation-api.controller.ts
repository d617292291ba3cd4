import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Role, Roles } from '@regulink/access';
import { RegionParamDto } from '../peers/dto/region-param.dto';
import { TreeHeadExchange } from '../tree-heads/tree-head-exchange.service';
import {
  EchoResponseDto,
  MessageIdParamDto,
  MessageResponseDto,
  PingRequestDto,
  QueuedResponseDto,
} from './dto/federation-api.dto';
import { FederationApiService } from './federation-api.service';

@ApiTags('federation')
@ApiBearerAuth()
@Controller('federation')
export class FederationApiController {
  constructor(
    private readonly federation: FederationApiService,
    private readonly treeHeads: TreeHeadExchange,
  ) {}

  /** Queues a one-way ping to a peer: outbox, delivery, signed receipt, audit entries on both sides. */
  @Post('ping')
  @HttpCode(202)
  @Roles(Role.Admin)
  ping(@Body() body: PingRequestDto): Promise<QueuedResponseDto> {
    return this.federation.ping(body.to, body.note);
  }

  /** Asks a peer a query and waits for its signed answer (deadline 10 s). */
  @Post('echo')
  @HttpCode(200)
  @Roles(Role.Admin)
  echo(@Body() body: PingRequestDto): Promise<EchoResponseDto> {
    return this.federation.echo(body.to);
  }

  /** A message in or out, with its receipt and the inclusion proofs of its audit entries. */
  @Get('messages/:id')
  @Roles(Role.Admin)
  message(@Param() { id }: MessageIdParamDto): Promise<MessageResponseDto> {
    return this.federation.message(id);
  }

  /**
   * The tree heads a peer sent, and whether each was proven consistent with the ones it holds
   * beside it; with its signed head, and a second one it signed for the same size with another
   * root, if it did (the proof that it presented two logs).
   */
  @Get('peers/:region/tree-heads')
  @Roles(Role.Admin)
  async peerTreeHeads(@Param() { region }: RegionParamDto): Promise<
    {
      size: number;
      root: string;
      consistency: string;
      problem: string | null;
      jws: string;
      conflictingJws: string | null;
    }[]
  > {
    return (await this.treeHeads.list(region)).map((h) => ({
      size: Number(h.size),
      root: h.root,
      consistency: h.consistency,
      problem: h.problem,
      jws: h.jws,
      conflictingJws: h.conflictingJws,
    }));
  }
}

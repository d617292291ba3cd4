import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Public, Role, Roles } from '@regulink/access';
import { NodeIdentityService } from '@regulink/identity';
import { holding } from '@regulink/persistence';
import type { DataSource } from 'typeorm';
import {
  JwksResponseDto,
  KeyRotationResponseDto,
  SignedNodeCardResponseDto,
} from './dto/node-card-response.dto';

@ApiTags('node')
@Controller()
export class NodeCardController {
  constructor(
    private readonly identity: NodeIdentityService,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /** The node's self-signed card: region, name, endpoints and public keys. */
  @Get('.well-known/regulink/node-card')
  @Public()
  card(): SignedNodeCardResponseDto {
    const { card, jws } = this.identity.signedCard();
    return { card: { ...card, keys: [...card.keys] }, jws };
  }

  /** Every public key of the node, retired ones included, for verifying its signatures. */
  @Get('.well-known/jwks.json')
  @Public()
  jwks(): JwksResponseDto {
    return { keys: this.identity.publicKeys().map((k) => ({ ...k })) };
  }

  /**
   * Starts signing with a new key; the old public key stays published for verification. The
   * node's replicas rotate one at a time (each builds on the key file as the last left it) and
   * take up a rotation made at another from the key file they share.
   */
  @Post('node/keys/rotate')
  @HttpCode(200)
  @ApiBearerAuth()
  @Roles(Role.Admin)
  async rotate(): Promise<KeyRotationResponseDto> {
    return (await holding(this.dataSource, 'keyRotation', () => this.identity.rotate()))!;
  }
}

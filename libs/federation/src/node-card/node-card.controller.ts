import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Public, Role, Roles } from '@regulink/access';
import { NodeIdentityService } from '@regulink/identity';
import {
  JwksResponseDto,
  KeyRotationResponseDto,
  SignedNodeCardResponseDto,
} from './dto/node-card-response.dto';

@ApiTags('node')
@Controller()
export class NodeCardController {
  constructor(private readonly identity: NodeIdentityService) {}

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

  /** Starts signing with a new key; the old public key stays published for verification. */
  @Post('node/keys/rotate')
  @HttpCode(200)
  @ApiBearerAuth()
  @Roles(Role.Admin)
  rotate(): Promise<KeyRotationResponseDto> {
    return this.identity.rotate();
  }
}

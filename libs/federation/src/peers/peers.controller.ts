import { Body, Controller, Get, Param, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Role, Roles, type AuthenticatedUser } from '@regulink/access';
import { PeerAllowDto, PeerImportDto, PeerRepinDto } from './dto/peer.dto';
import { PeerResponseDto } from './dto/peer-response.dto';
import { PeersService } from './peers.service';
import { RegionParamDto } from './dto/region-param.dto';

@ApiTags('federation')
@ApiBearerAuth()
@Controller('federation/peers')
export class PeersController {
  constructor(private readonly peers: PeersService) {}

  /** Imports a peer's signed node card and pins its keys. */
  @Post()
  @Roles(Role.Admin)
  import(@Body() body: PeerImportDto, @CurrentUser() user: AuthenticatedUser): Promise<PeerResponseDto> {
    return this.peers.importCard({ card: body.card, jws: body.jws }, user.username, body.allow ?? false);
  }

  @Get()
  @Roles(Role.Admin, Role.Officer)
  list(): Promise<PeerResponseDto[]> {
    return this.peers.list();
  }

  /** Replaces the pinned keys of a peer with those of its new card. */
  @Post(':region/repin')
  @Roles(Role.Admin)
  repin(
    @Param() { region }: RegionParamDto,
    @Body() body: PeerRepinDto,
    @CurrentUser() user: AuthenticatedUser,
  ): Promise<PeerResponseDto> {
    return this.peers.repin(region, { card: body.card, jws: body.jws }, user.username);
  }

  /** Puts a peer on or off the node-level allow list. */
  @Put(':region/allowed')
  @Roles(Role.Admin)
  allow(
    @Param() { region }: RegionParamDto,
    @Body() body: PeerAllowDto,
    @CurrentUser() user: AuthenticatedUser,
  ): Promise<PeerResponseDto> {
    return this.peers.setAllowed(region, body.allowed, user.username);
  }
}

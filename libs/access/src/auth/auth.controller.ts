import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ALL_ROLES } from '../role';
import { Public, Roles } from './access.decorators';
import { AuthService } from './auth.service';
import type { AuthenticatedUser } from './authenticated-user';
import { CurrentUser } from './current-user.decorator';
import { TokenRequestDto } from './dto/token-request.dto';
import { CallerResponseDto, TokenResponseDto } from './dto/token-response.dto';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  /** Exchanges a username and password for a bearer token. */
  @Post('token')
  @HttpCode(200)
  @Public()
  token(@Body() body: TokenRequestDto): Promise<TokenResponseDto> {
    return this.auth.issueToken(body.username, body.password);
  }

  /** Who the bearer token belongs to, with the account's current roles. */
  @Get('me')
  @ApiBearerAuth()
  @Roles(...(ALL_ROLES as [(typeof ALL_ROLES)[number]]))
  me(@CurrentUser() user: AuthenticatedUser): CallerResponseDto {
    return { id: user.id, username: user.username, roles: [...user.roles] };
  }
}

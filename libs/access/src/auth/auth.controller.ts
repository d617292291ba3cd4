import { Body, Controller, Get, HttpCode, Ip, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ALL_ROLES } from '../role';
import { Public, Roles } from './access.decorators';
import { AuthService } from './auth.service';
import type { AuthenticatedUser } from './authenticated-user';
import { CurrentUser } from './current-user.decorator';
import { PasswordChangeDto } from './dto/password-change.dto';
import { TokenRequestDto } from './dto/token-request.dto';
import { CallerResponseDto, TokenResponseDto } from './dto/token-response.dto';

const ANY_ROLE = ALL_ROLES as [(typeof ALL_ROLES)[number]];

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  /** Exchanges a username and password for a bearer token; failed attempts are throttled. */
  @Post('token')
  @HttpCode(200)
  @Public()
  token(@Body() body: TokenRequestDto, @Ip() address: string): Promise<TokenResponseDto> {
    return this.auth.issueToken(body.username, body.password, address);
  }

  /** Who the bearer token belongs to, with the account's current roles. */
  @Get('me')
  @ApiBearerAuth()
  @Roles(...ANY_ROLE)
  me(@CurrentUser() user: AuthenticatedUser): CallerResponseDto {
    return { id: user.id, username: user.username, roles: [...user.roles] };
  }

  /** The caller changes their own password; every earlier token ends, a new one comes back. */
  @Put('password')
  @ApiBearerAuth()
  @Roles(...ANY_ROLE)
  changePassword(
    @Body() body: PasswordChangeDto,
    @CurrentUser() user: AuthenticatedUser,
    @Ip() address: string,
  ): Promise<TokenResponseDto> {
    return this.auth.changePassword(user, body.currentPassword, body.newPassword, address);
  }
}

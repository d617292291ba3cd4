import { Injectable, Logger } from '@nestjs/common';
import { AccessErrorCode, AccessException } from '../access.exception';
import { UserRepository } from '../users/user.repository';
import type { TokenResponseDto } from './dto/token-response.dto';
import { hashPassword, verifyPassword } from './password-hasher';
import { TokenService } from './token.service';

@Injectable()
export class AuthService {
  private readonly logger = new Logger(AuthService.name);
  /** Compared against when the username is unknown, so both failures take the same time. */
  private readonly decoyHash = hashPassword('decoy password that matches nothing');

  constructor(
    private readonly users: UserRepository,
    private readonly tokens: TokenService,
  ) {}

  async issueToken(username: string, password: string): Promise<TokenResponseDto> {
    const user = await this.users.findActiveByUsername(username);
    const valid = await verifyPassword(password, user?.passwordHash ?? (await this.decoyHash));
    if (!user || !valid) {
      this.logger.warn({ username }, 'refused a sign-in');
      throw new AccessException(AccessErrorCode.InvalidCredentials, 'unknown username or wrong password');
    }
    const { token, expiresIn } = await this.tokens.issue({
      id: user.id,
      username: user.username,
      roles: user.roles,
    });
    this.logger.log({ userId: user.id, username }, 'issued an access token');
    return { accessToken: token, tokenType: 'Bearer', expiresIn };
  }
}

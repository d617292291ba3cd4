import { Injectable, Logger } from '@nestjs/common';
import { TableWatch } from '@regulink/persistence';
import { AccessErrorCode, AccessException } from '../access.exception';
import type { UserEntity } from '../users/user.entity';
import { UserRepository } from '../users/user.repository';
import { UsersService } from '../users/users.service';
import { AccessClock } from './access-clock';
import type { AuthenticatedUser } from './authenticated-user';
import type { TokenResponseDto } from './dto/token-response.dto';
import { LoginThrottle } from './login-throttle';
import { hashPassword, verifyPassword } from './password-hasher';
import { TokenService } from './token.service';
import { loggableUsername } from '../users/username';

@Injectable()
export class AuthService {
  private readonly logger = new Logger(AuthService.name);
  /** Compared against when the username is unknown, so both failures take the same time. */
  private readonly decoyHash = hashPassword('decoy password that matches nothing');

  constructor(
    private readonly users: UserRepository,
    private readonly tokens: TokenService,
    private readonly throttle: LoginThrottle,
    private readonly watch: TableWatch,
    private readonly clock: AccessClock,
  ) {}

  /**
   * A token for a username and password. Throttled before the password is checked (see
   * LoginThrottle): the same for a username that exists and one that does not.
   */
  async issueToken(username: string, password: string, clientAddress: string): Promise<TokenResponseDto> {
    const found: { user: UserEntity | null } = { user: null };
    const valid = await this.throttle.check(username, clientAddress, async () => {
      found.user = await this.users.findActiveByUsername(username);
      const right = await verifyPassword(password, found.user?.passwordHash ?? (await this.decoyHash));
      return found.user !== null && right;
    });
    const { user } = found;
    if (!user || !valid) {
      this.logger.warn({ username: loggableUsername(username) }, 'refused a sign-in');
      throw new AccessException(AccessErrorCode.InvalidCredentials, 'unknown username or wrong password');
    }
    const token = await this.issue(user);
    this.logger.log({ userId: user.id, username }, 'issued an access token');
    return token;
  }

  /**
   * The caller changes their own password, proving the current one (throttled as a sign-in is).
   * Every token issued before ends, the one used here too; a new token comes back.
   */
  async changePassword(
    caller: AuthenticatedUser,
    currentPassword: string,
    newPassword: string,
    clientAddress: string,
  ): Promise<TokenResponseDto> {
    const found: { user: UserEntity | null } = { user: null };
    const right = await this.throttle.check(caller.username, clientAddress, async () => {
      found.user = await this.users.findActiveById(caller.id);
      return found.user !== null && (await verifyPassword(currentPassword, found.user.passwordHash));
    });
    const { user } = found;
    if (!user || !right) {
      this.logger.warn({ userId: caller.id, username: caller.username }, 'refused a password change');
      throw new AccessException(AccessErrorCode.CurrentPasswordWrong, 'the current password is not right');
    }
    UsersService.requireFit(newPassword, user.username);
    const passwordHash = await hashPassword(newPassword);
    const now = new Date(this.clock.now());
    const changed = await this.users.change(user.id, () => ({ passwordHash, tokensRevokedAt: now }));
    if (!changed) throw new AccessException(AccessErrorCode.InvalidToken, 'the account is not active');
    this.watch.changed('app_user');
    this.logger.log({ userId: user.id, username: user.username }, 'changed their own password');
    return this.issue(changed.after);
  }

  private async issue(user: UserEntity): Promise<TokenResponseDto> {
    const { token, expiresIn } = await this.tokens.issue({
      id: user.id,
      username: user.username,
      roles: user.roles,
      tokensRevokedAt: user.tokensRevokedAt?.getTime() ?? 0,
    });
    return { accessToken: token, tokenType: 'Bearer', expiresIn };
  }
}

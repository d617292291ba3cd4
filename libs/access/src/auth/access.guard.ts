import { Injectable, Logger, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { TableWatch } from '@regulink/persistence';
import { AccessErrorCode, AccessException } from '../access.exception';
import type { Role } from '../role';
import { UserRepository } from '../users/user.repository';
import { PUBLIC_ROUTE, ROUTE_ROLES } from './access.decorators';
import type { AuthenticatedUser } from './authenticated-user';
import { AUTHENTICATED_USER } from './current-user.decorator';
import { TokenService } from './token.service';

/**
 * Deny by default: a route answers only if it is declared @Public() or names its roles with
 * @Roles(...) and the caller holds one of them. An undeclared route is refused to everyone.
 * The token proves who is calling; the account's current roles decide what it may do, so a
 * disabled account or a removed role takes effect at once, and a token issued before the
 * account's tokens were revoked (password set again, account disabled) is refused: accounts are
 * read from memory, dropped as soon as the account table announces a change at commit (see
 * TableWatch), however made.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  private readonly logger = new Logger(AccessGuard.name);

  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokenService,
    private readonly users: UserRepository,
    private readonly watch: TableWatch,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const required = this.reflector.getAllAndOverride<Role[] | undefined>(ROUTE_ROLES, targets);
    if (!required || required.length === 0) {
      this.logger.error(
        { handler: `${context.getClass().name}.${context.getHandler().name}` },
        'route declares no access rule',
      );
      throw new AccessException(AccessErrorCode.RouteNotDeclared, 'this route is not open to anyone');
    }

    const request = context
      .switchToHttp()
      .getRequest<{ headers: Record<string, string | undefined> } & Record<symbol, unknown>>();
    const header = request.headers.authorization;
    const match = header ? /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(header) : null;
    if (!match) throw new AccessException(AccessErrorCode.Unauthenticated, 'a bearer token is required');
    const claimed = await this.tokens.verify(match[1]!);
    const account = await this.watch.read('app_user', claimed.id, () =>
      this.users.findActiveById(claimed.id),
    );
    if (!account)
      throw new AccessException(AccessErrorCode.InvalidToken, 'the account behind this token is not active');
    // Its password was set again, or it was disabled, since the token was issued.
    if ((account.tokensRevokedAt?.getTime() ?? 0) !== claimed.tokensRevokedAt)
      throw new AccessException(AccessErrorCode.InvalidToken, 'this token was revoked; sign in again');
    const user: AuthenticatedUser = { id: account.id, username: account.username, roles: account.roles };
    if (!required.some((role) => user.roles.includes(role))) {
      throw new AccessException(
        AccessErrorCode.Forbidden,
        `this route needs one of the roles: ${required.join(', ')}`,
      );
    }
    request[AUTHENTICATED_USER] = user;
    return true;
  }
}

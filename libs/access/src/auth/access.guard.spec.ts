import { Logger, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { TableWatch } from '@regulink/persistence';
import { AccessErrorCode } from '../access.exception';
import { Role } from '../role';
import type { UserRepository } from '../users/user.repository';
import { Public, Roles } from './access.decorators';
import { AccessGuard } from './access.guard';
import type { TokenService } from './token.service';

class Routes {
  undeclared(): void {}
  @Public()
  open(): void {}
  @Roles(Role.Admin)
  adminOnly(): void {}
}

function contextFor(handler: keyof Routes, headers: Record<string, string> = {}): ExecutionContext {
  return {
    getType: () => 'http',
    getHandler: () => Routes.prototype[handler],
    getClass: () => Routes,
    switchToHttp: () => ({ getRequest: () => ({ headers }) }),
  } as unknown as ExecutionContext;
}

describe('AccessGuard (deny by default)', () => {
  const unreachable = new Proxy({}, { get: () => () => Promise.reject(new Error('must not be consulted')) });
  const guard = new AccessGuard(
    new Reflector(),
    unreachable as TokenService,
    unreachable as UserRepository,
    unreachable as TableWatch,
  );

  it('refuses a route that declares neither @Public nor @Roles, before looking at any token, and logs it', async () => {
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    await expect(
      guard.canActivate(contextFor('undeclared', { authorization: 'Bearer abc' })),
    ).rejects.toMatchObject({
      code: AccessErrorCode.RouteNotDeclared,
    });
    expect(logged).toHaveBeenCalledWith({ handler: 'Routes.undeclared' }, 'route declares no access rule');
    logged.mockRestore();
  });

  it('lets a @Public route through without a token', async () => {
    await expect(guard.canActivate(contextFor('open'))).resolves.toBe(true);
  });

  it.each<Record<string, string>>([
    {},
    { authorization: 'Basic YWRtaW46YWRtaW4=' },
    { authorization: 'Bearer' },
  ])('asks for a bearer token on a role route (%p)', async (headers) => {
    await expect(guard.canActivate(contextFor('adminOnly', headers))).rejects.toMatchObject({
      code: AccessErrorCode.Unauthenticated,
    });
  });
});

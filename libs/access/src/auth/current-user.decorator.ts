import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { AuthenticatedUser } from './authenticated-user';

export const AUTHENTICATED_USER = Symbol('regulink:user');

/** The authenticated caller, set by the access guard. */
export const CurrentUser = createParamDecorator(
  (_: unknown, context: ExecutionContext): AuthenticatedUser => {
    const request = context.switchToHttp().getRequest<Record<symbol, AuthenticatedUser>>();
    return request[AUTHENTICATED_USER]!;
  },
);

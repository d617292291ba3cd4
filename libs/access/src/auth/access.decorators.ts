import { SetMetadata } from '@nestjs/common';
import type { Role } from '../role';

export const PUBLIC_ROUTE = 'regulink:public';
export const ROUTE_ROLES = 'regulink:roles';

/** The route answers without authentication. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_ROUTE, true);

/** The route answers callers holding at least one of these roles. */
export const Roles = (...roles: [Role, ...Role[]]): MethodDecorator & ClassDecorator =>
  SetMetadata(ROUTE_ROLES, roles);

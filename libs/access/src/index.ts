export { AccessModule } from './access.module';
export { Role, ALL_ROLES } from './role';
export { Public, Roles, PUBLIC_ROUTE, ROUTE_ROLES } from './auth/access.decorators';
export { CurrentUser } from './auth/current-user.decorator';
export type { AuthenticatedUser } from './auth/authenticated-user';
export { AccessException, AccessErrorCode } from './access.exception';
export { UserEntity } from './users/user.entity';
export { hashPassword, verifyPassword } from './auth/password-hasher';
export { AccessClock } from './auth/access-clock';

import type { Role } from '../role';

/** The caller of a request, as proven by its bearer token. */
export interface AuthenticatedUser {
  readonly id: string;
  readonly username: string;
  readonly roles: readonly Role[];
}

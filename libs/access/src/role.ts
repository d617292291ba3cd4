/** What a local account may do. Every route names the roles it accepts (see auth/roles.decorator.ts). */
export enum Role {
  /** An enforcement officer: queries, clues, cases. */
  Officer = 'officer',
  /** A node administrator: users, keys, peers, agreements. */
  Admin = 'admin',
  /** A provincial system that syncs data in bulk. */
  System = 'system',
}

export const ALL_ROLES: readonly Role[] = [Role.Officer, Role.Admin, Role.System];
